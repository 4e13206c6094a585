"""Flight School: a hands-on course for Apache Airflow on Kubernetes."""

__version__ = "0.1.0"
