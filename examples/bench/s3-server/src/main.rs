//! A folder served over S3 on one address, for lakegate's object-storage benchmark:
//!
//!     lakegate-bench-s3-server 127.0.0.1:PORT ACCESS_KEY SECRET_KEY ROOT
//!
//! Buckets are the folders of ROOT. The store is s3s-fs's (the s3s project); what this adds to
//! its own `s3s-fs` binary is TCP_NODELAY on every connection: without it, a response whose
//! last write is small waits for the client's delayed ACK (about 40 ms on Linux), so that every
//! small GET took 40 ms and the benchmark measured the server's sockets, as moto's Python
//! measures moto. S3 servers in production (AWS, MinIO) send without delay.

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, access_key, secret_key, root] = args.as_slice() else {
        eprintln!("usage: lakegate-bench-s3-server HOST:PORT ACCESS_KEY SECRET_KEY ROOT");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build();
    let outcome =
        runtime.map_err(|e| e.to_string()).and_then(|rt| rt.block_on(serve(addr, access_key, secret_key, root)));
    if let Err(e) = outcome {
        eprintln!("lakegate-bench-s3-server: {e}");
        std::process::exit(1);
    }
}

async fn serve(addr: &str, access_key: &str, secret_key: &str, root: &str) -> Result<(), String> {
    let store = s3s_fs::FileSystem::new(root).map_err(|e| format!("cannot serve `{root}`: {e:?}"))?;
    let mut builder = S3ServiceBuilder::new(store);
    builder.set_auth(SimpleAuth::from_single(access_key, secret_key));
    let service = builder.build();
    let listener = TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let http = Builder::new(TokioExecutor::new());
    loop {
        let Ok((socket, _)) = listener.accept().await else { continue };
        if socket.set_nodelay(true).is_err() {
            continue;
        }
        let connection = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}
