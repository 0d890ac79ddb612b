# Everything secret reaches the tasks through Secrets Manager, injected by ECS
# as environment variables at start; nothing secret is in a task definition.
#
# The database URL is written here. The Kafka and SMTP secrets are created
# empty: put their values in with `aws secretsmanager put-secret-value`
# (README.md), so those credentials never pass through Terraform.

resource "aws_secretsmanager_secret" "database_url" {
  name                    = "${local.name}/database-url"
  description             = "DELOTON_DATABASE_URL of the ${local.name} warehouse (TLS, server certificate and host name checked)"
  recovery_window_in_days = 7
}

# verify-full: the server must show a certificate signed by the RDS certificate
# authorities (the bundle deploy/Dockerfile puts in the image) for the
# instance's own host name; `require` would encrypt to whoever answers.
resource "aws_secretsmanager_secret_version" "database_url" {
  secret_id = aws_secretsmanager_secret.database_url.id
  secret_string = format(
    "postgresql://%s:%s@%s:%d/%s?sslmode=verify-full&sslrootcert=/opt/deloton/certs/rds-global-bundle.pem",
    var.db_username,
    random_password.database.result,
    aws_db_instance.main.address,
    aws_db_instance.main.port,
    var.db_name,
  )
}

# The replica's URL, when there is one: the same user, password and TLS checks.
resource "aws_secretsmanager_secret" "read_database_url" {
  count                   = var.db_read_replica ? 1 : 0
  name                    = "${local.name}/read-database-url"
  description             = "DELOTON_READ_DATABASE_URL of the ${local.name} warehouse's read replica"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "read_database_url" {
  count     = var.db_read_replica ? 1 : 0
  secret_id = aws_secretsmanager_secret.read_database_url[0].id
  secret_string = format(
    "postgresql://%s:%s@%s:%d/%s?sslmode=verify-full&sslrootcert=/opt/deloton/certs/rds-global-bundle.pem",
    var.db_username,
    random_password.database.result,
    aws_db_instance.replica[0].address,
    aws_db_instance.replica[0].port,
    var.db_name,
  )
}

resource "aws_secretsmanager_secret" "kafka" {
  name                    = "${local.name}/kafka"
  description             = "Kafka SASL credentials for deloton, JSON {\"username\": \"...\", \"password\": \"...\"}"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret" "smtp" {
  name                    = "${local.name}/smtp"
  description             = "SMTP for deloton alerts and reports, JSON {\"url\": \"smtps://host:465\", \"username\": \"...\", \"password\": \"...\"}"
  recovery_window_in_days = 7
}
