#!/usr/bin/env bash
# The test command (README): the Rust workspace, then the Python package's
# pytest suite in target/pyenv (which `.ci/run` prepares: a venv with maturin,
# pytest and numpy). Without that venv the Python tests are reported as
# SKIPPED, never passed silently.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --workspace -j2
py=target/pyenv/bin/python
if [ -x "$py" ] && "$py" -c 'import maturin, pytest' 2>/dev/null; then
  (cd python && VIRTUAL_ENV="$PWD/../target/pyenv" PATH="$PWD/../target/pyenv/bin:$PATH" \
    CARGO_TARGET_DIR="$PWD/../target/python" maturin develop --release -q)
  "$py" -m pytest -q python/tests
else
  echo "Python tests SKIPPED: no target/pyenv with maturin and pytest (bash .ci/run makes one: python3 -m venv target/pyenv && target/pyenv/bin/pip install maturin pytest numpy)"
fi
