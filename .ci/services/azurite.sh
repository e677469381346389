# Azure Blob Storage for tests/object_storage_azure.rs: Azurite (Microsoft's emulator, npm), its
# blob service on loopback, in memory, with an account of its own (a random key: not the
# emulator's well-known one, so a test can check that the key is never printed). The example
# lake is uploaded to the container `lakegate-example` below `lake/` with Azure's SDK
# (@azure/storage-blob, .ci/services/azure-blob.js). Sourced by .ci/run (helpers: free_port,
# wait_port, SERVICES_DIR, SERVICE_PIDS). By hand: see the README ("Object storage").
# Azurite 3.35.0 is the last release that runs on Node 20 (3.36 wants Node 21, 3.37 Node 22).
AZURITE_VERSION=3.35.0
AZURE_BLOB_SDK_VERSION=12.29.1
azurite_dir="${XDG_CACHE_HOME:-$HOME/.cache}/lakegate/azurite-$AZURITE_VERSION-blob-$AZURE_BLOB_SDK_VERSION"
if [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ] || [ ! -d "$azurite_dir/node_modules/@azure/storage-blob" ]; then
  mkdir -p "$azurite_dir"
  npm install --silent --no-audit --no-fund --no-update-notifier --prefix "$azurite_dir" \
    "azurite@$AZURITE_VERSION" "@azure/storage-blob@$AZURE_BLOB_SDK_VERSION" >"$SERVICES_DIR/azurite-npm.log" 2>&1 \
    || { cat "$SERVICES_DIR/azurite-npm.log" >&2; return 1; }
fi

azurite_port=$(free_port)
export LAKEGATE_AZURE_ACCOUNT=lakegatetest
LAKEGATE_AZURE_KEY=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
export LAKEGATE_AZURE_KEY
# Telemetry off (no network but loopback here); any API version accepted (the SDK may be newer).
AZURITE_ACCOUNTS="$LAKEGATE_AZURE_ACCOUNT:$LAKEGATE_AZURE_KEY" "$azurite_dir/node_modules/.bin/azurite-blob" \
  --blobHost 127.0.0.1 --blobPort "$azurite_port" --inMemoryPersistence --disableTelemetry \
  --skipApiVersionCheck --silent >"$SERVICES_DIR/azurite.log" 2>&1 &
SERVICE_PIDS+=($!)
wait_port "$azurite_port" 60

# The account's blob endpoint (path style, as Azurite serves it) and the SDK the tests upload with.
export LAKEGATE_AZURE_ENDPOINT="http://127.0.0.1:$azurite_port/$LAKEGATE_AZURE_ACCOUNT"
export LAKEGATE_AZURE_NODE_PATH="$azurite_dir/node_modules"
NODE_PATH="$LAKEGATE_AZURE_NODE_PATH" node .ci/services/azure-blob.js create lakegate-example
NODE_PATH="$LAKEGATE_AZURE_NODE_PATH" node .ci/services/azure-blob.js upload-dir examples/lake lakegate-example lake/
