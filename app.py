"""Streamlit entry point: `streamlit run app.py` (or `flightschool app`)."""

from flightschool.ui.app import main

main()
