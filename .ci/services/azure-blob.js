// Sets up blobs on the Azurite server of .ci/services/azurite.sh with Azure's own SDK
// (@azure/storage-blob, installed beside Azurite; NODE_PATH points at it). Used by azurite.sh and
// tests/object_storage_azure.rs:
//   node azure-blob.js create CONTAINER
//   node azure-blob.js upload-dir DIR CONTAINER PREFIX   (every file below DIR as PREFIX + its path)
//   node azure-blob.js upload FILE CONTAINER NAME
// The server from LAKEGATE_AZURE_ENDPOINT (http://127.0.0.1:PORT/ACCOUNT), the account's name
// and key from LAKEGATE_AZURE_ACCOUNT and LAKEGATE_AZURE_KEY.
"use strict";
const fs = require("fs");
const path = require("path");
const { BlobServiceClient, StorageSharedKeyCredential } = require("@azure/storage-blob");

async function main() {
  const env = (k) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set`);
    return v;
  };
  const credential = new StorageSharedKeyCredential(env("LAKEGATE_AZURE_ACCOUNT"), env("LAKEGATE_AZURE_KEY"));
  const service = new BlobServiceClient(env("LAKEGATE_AZURE_ENDPOINT"), credential);
  const [command, ...args] = process.argv.slice(2);
  if (command === "create") {
    await service.getContainerClient(args[0]).createIfNotExists();
  } else if (command === "upload") {
    const [file, container, name] = args;
    await service.getContainerClient(container).getBlockBlobClient(name).uploadFile(file);
  } else if (command === "upload-dir") {
    const [dir, container, prefix] = args;
    const client = service.getContainerClient(container);
    const walk = (d) =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(d, e.name);
        return e.isDirectory() ? walk(p) : [p];
      });
    for (const file of walk(dir)) {
      const name = prefix + path.relative(dir, file).split(path.sep).join("/");
      await client.getBlockBlobClient(name).uploadFile(file);
    }
  } else {
    throw new Error(`unknown command \`${command}\` (create, upload, upload-dir)`);
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
