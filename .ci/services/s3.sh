# S3-compatible object storage for tests/object_storage.rs: moto's server mode (PyPI), two
# instances on loopback: one open (any credentials; the example lake uploaded to the bucket
# `lakegate-example`; also reachable through a proxy counting the bytes it sends), one enforcing
# IAM authentication (for "access denied" and wrong
# credentials). Sourced by .ci/run (helpers: need_deb, free_port, wait_port, SERVICES_DIR,
# SERVICE_PIDS). By hand: `source .ci/services/s3.sh` after defining those helpers, or see the
# README ("Object storage").
MOTO_VERSION=5.2.5
if ! python3 -c "import moto, boto3; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null; then
  python3 -m pip install -q "moto[server]==$MOTO_VERSION"
fi
MOTO_SERVER=$(python3 -c 'import shutil, sys, os; p = shutil.which("moto_server"); print(p or os.path.join(os.path.dirname(sys.executable), "moto_server"))')

s3_port=$(free_port)
"$MOTO_SERVER" -H 127.0.0.1 -p "$s3_port" >"$SERVICES_DIR/moto-s3.log" 2>&1 &
SERVICE_PIDS+=($!)
# A TCP proxy in front of it counting the bytes it sends (tests of bytes transferred).
s3_counted_port=$(free_port)
s3_counter_port=$(free_port)
python3 examples/bench/object_storage.py --proxy "$s3_counted_port" "$s3_port" "$s3_counter_port" \
  >"$SERVICES_DIR/s3-proxy.log" 2>&1 &
SERVICE_PIDS+=($!)
# Authentication enforced after the 4 set-up actions below (user, access key, bucket, object).
s3_auth_port=$(free_port)
INITIAL_NO_AUTH_ACTION_COUNT=4 "$MOTO_SERVER" -H 127.0.0.1 -p "$s3_auth_port" >"$SERVICES_DIR/moto-s3-auth.log" 2>&1 &
SERVICE_PIDS+=($!)
wait_port "$s3_port" 60
wait_port "$s3_auth_port" 60
wait_port "$s3_counted_port" 60
wait_port "$s3_counter_port" 60

export LAKEGATE_S3_ENDPOINT="http://127.0.0.1:$s3_port"
export LAKEGATE_S3_AUTH_ENDPOINT="http://127.0.0.1:$s3_auth_port"
export LAKEGATE_S3_COUNTED_ENDPOINT="http://127.0.0.1:$s3_counted_port"
export LAKEGATE_S3_COUNTER_PORT=$s3_counter_port
# Dummy credentials (moto's open server accepts any); tests pass them to lakegate as AWS_*.
export LAKEGATE_S3_ACCESS_KEY_ID=lakegate-test-key-id
export LAKEGATE_S3_SECRET_ACCESS_KEY=lakegate-test-secret-Zq8v
export LAKEGATE_S3_REGION=us-east-1
export LAKEGATE_S3_PYTHON=$(command -v python3)

# The example lake in s3://lakegate-example/lake/ (examples/lake as committed), and on the
# authenticating server a user without any permission and a bucket it may not read.
LAKEGATE_S3_DENIED=$(python3 - "$LAKEGATE_S3_ENDPOINT" "$LAKEGATE_S3_AUTH_ENDPOINT" <<'PY'
import os, sys, boto3
open_ep, auth_ep = sys.argv[1], sys.argv[2]
kw = dict(aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1")
s3 = boto3.client("s3", endpoint_url=open_ep, **kw)
s3.create_bucket(Bucket="lakegate-example")
for root, _, files in os.walk("examples/lake"):
    for f in files:
        p = os.path.join(root, f)
        s3.upload_file(p, "lakegate-example", "lake/" + os.path.relpath(p, "examples/lake"))
iam = boto3.client("iam", endpoint_url=auth_ep, **kw)
iam.create_user(UserName="no-permissions")
key = iam.create_access_key(UserName="no-permissions")["AccessKey"]
s3a = boto3.client("s3", endpoint_url=auth_ep, **kw)
s3a.create_bucket(Bucket="lakegate-private")
s3a.put_object(Bucket="lakegate-private", Key="users/users.parquet", Body=open("examples/lake/users/users.parquet", "rb").read())
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
)
export LAKEGATE_S3_DENIED_ACCESS_KEY_ID=${LAKEGATE_S3_DENIED% *}
export LAKEGATE_S3_DENIED_SECRET_ACCESS_KEY=${LAKEGATE_S3_DENIED#* }
unset LAKEGATE_S3_DENIED
