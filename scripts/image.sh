#!/usr/bin/env bash
# Build Flight School's container image (deploy/Dockerfile) without network in the build.
#
#   scripts/image.sh [TAG]     default TAG: flightschool/app:dev (or FLIGHTSCHOOL_IMAGE)
#
# On the host, into a build context under build/image/: the runtime requirements pinned by
# requirements.lock as wheels (pip download) plus Flight School's own wheel, bubblewrap's
# Debian packages (apt-get download), kubectl and helm from the lab toolchain, and the
# content (lessons, quizzes, labs, cluster definitions, app.py). Then `docker build
# --network none`. BASE (build arg) defaults to python:3.11-slim; air-gapped machines get
# that name from `flightschool images build`. Nothing fetched here is committed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag="${1:-${FLIGHTSCHOOL_IMAGE:-flightschool/app:dev}}"
base="${FLIGHTSCHOOL_IMAGE_BASE:-python:3.11-slim}"
ctx="$root/build/image"
bin="$root/.venv/bin"
wheels_cache="${FLIGHTSCHOOL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flightschool}/image-wheels"
debs="bubblewrap libcap2 libselinux1 libpcre2-8-0"

say() { printf '%s\n' "image: $*" >&2; }
[ -x "$bin/python" ] || { say "run \`make .venv/.installed\` first"; exit 2; }
command -v docker >/dev/null || { say "docker is not installed"; exit 2; }
docker info >/dev/null 2>&1 || { say "the Docker engine does not answer (DOCKER_HOST?)"; exit 2; }

rm -rf "$ctx"
mkdir -p "$ctx/wheels" "$ctx/bin" "$ctx/debs" "$ctx/content"
cp "$root/deploy/Dockerfile" "$ctx/Dockerfile"

say "runtime requirements (pinned by requirements.lock)"
"$bin/uv" pip compile --quiet --no-header --python-version 3.11 \
  -c "$root/requirements.lock" -o "$ctx/wheels/requirements.txt" "$root/pyproject.toml"

# Wheels are cached by the requirements' digest: a warm rebuild downloads nothing.
digest="$(sha256sum "$ctx/wheels/requirements.txt" | cut -c1-16)"
cached="$wheels_cache/$digest"
if [ ! -f "$cached/.complete" ]; then
  say "downloading wheels into $cached"
  rm -rf "$cached" && mkdir -p "$cached"
  "$bin/python" -m pip download --disable-pip-version-check --quiet --only-binary=:all: \
    --dest "$cached" -r "$ctx/wheels/requirements.txt"
  touch "$cached/.complete"
fi
cp "$cached"/*.whl "$ctx/wheels/"

say "Flight School's own wheel"
"$bin/uv" build --quiet --wheel --out-dir "$ctx/wheels" "$root"

say "bubblewrap's Debian packages"
(cd "$ctx/debs" && apt-get download $debs >/dev/null)

say "kubectl and helm from the lab toolchain"
"$bin/python" - "$ctx/bin" <<'PY'
import shutil, sys
from flightschool.cluster import toolchain
tc = toolchain.ensure(progress=lambda line: print(line, file=sys.stderr))
for name in ("kubectl", "helm"):
    shutil.copy2(tc.path(name), f"{sys.argv[1]}/{name}")
PY

say "content"
(cd "$root" && git ls-files -co --exclude-standard -- app.py .streamlit pyproject.toml lessons quizzes \
  labs exams interviews ledger cluster ':!cluster/images' | tar -c -T - | tar -x -C "$ctx/content")

say "docker build $tag (base $base)"
docker build --network none --build-arg "BASE=$base" -t "$tag" "$ctx"
rm -rf "$ctx/wheels" "$ctx/bin" "$ctx/debs"
say "built $tag"
