-- The orders benchmark by hand on Spark: every metric of examples/bench/orders.odcs.yaml in one query
-- (run: target/release/examples/spark-sql sc://127.0.0.1:15002 "$(cat examples/bench/spark-orders.sql)" from the
-- repository root; the path is the server's: make it absolute). Answers: the generator's truth and lakegate's.
SELECT count(*) AS row_count,
  count(*) - count(order_id) AS order_id_nulls,
  count(*) - count(customer_id) AS customer_id_nulls,
  count(*) - count(amount) AS amount_nulls,
  count(order_id) - count(DISTINCT order_id) AS order_id_dup_extra_rows,
  count_if(amount < 0 OR isnan(amount)) AS amount_negative,
  count_if(status NOT IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')) AS status_invalid,
  count_if(country NOT IN ('US', 'DE', 'FR', 'GB', 'NL', 'ES', 'IT', 'SE', 'PL', 'BE', 'AT', 'CH', 'DK', 'NO', 'FI', 'IE', 'PT', 'CA', 'AU', 'JP')) AS country_invalid,
  count_if(NOT email RLIKE '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$') AS email_invalid,
  avg(amount) AS avg_amount,
  sum(amount) AS sum_amount,
  count(DISTINCT customer_id) AS distinct_customers,
  count_if(customer_id IS NOT NULL AND created_at IS NOT NULL) - count(DISTINCT customer_id, created_at) AS cust_created_dup_extra_rows,
  count_if(NOT coalesce(updated_at >= created_at, FALSE)) AS updated_before_created,
  max(created_at) AS latest_created
FROM parquet.`examples/bench/data/orders_10000000.parquet`
