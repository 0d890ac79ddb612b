# The PostgreSQL warehouse: private, encrypted, backed up, TLS only.
#
# Why not manage_master_user_password: deloton reads one DELOTON_DATABASE_URL,
# and RDS rotates a managed master password every 7 days, after which the URL
# that running tasks hold would stop working for new connections. Terraform
# therefore generates the password once and stores the whole URL in Secrets
# Manager (secrets.tf); the password is in the Terraform state, which must be
# encrypted (see versions.tf).

resource "random_password" "database" {
  length = 40
  # Letters and digits only: the password sits inside a URL unescaped.
  special = false
}

resource "aws_db_subnet_group" "main" {
  name        = local.name
  description = "Private subnets of ${local.name}"
  subnet_ids  = aws_subnet.private[*].id
}

resource "aws_db_parameter_group" "main" {
  name        = "${local.name}-pg${var.db_engine_version}"
  family      = "postgres${var.db_engine_version}"
  description = "deloton warehouse settings"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Statements slower than a second show up in the PostgreSQL log.
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "main" {
  identifier = local.name

  engine                     = "postgres"
  engine_version             = var.db_engine_version
  auto_minor_version_upgrade = true
  instance_class             = var.db_instance_class
  parameter_group_name       = aws_db_parameter_group.main.name

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name  = var.db_name
  username = var.db_username
  password = random_password.database.result

  multi_az               = var.db_multi_az
  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false

  backup_retention_period   = var.db_backup_retention_days
  backup_window             = "01:00-02:00"
  maintenance_window        = "sun:02:30-sun:03:30"
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.name}-final"

  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  performance_insights_enabled    = var.db_performance_insights

  # Changes wait for the maintenance window unless applied by hand.
  apply_immediately = false
}

# Reads that can lag the primary by a moment (lists, statistics, /daily, the
# daily report) go here when var.db_read_replica is set, so a fleet's readers
# do not compete with ingest for the primary. Same storage, parameters and
# encryption; RDS copies the primary's credentials. The live feed, alerts,
# sign-in and every write stay on the primary (docs/operations.md).
resource "aws_db_instance" "replica" {
  count = var.db_read_replica ? 1 : 0

  identifier           = "${local.name}-read"
  replicate_source_db  = aws_db_instance.main.identifier
  instance_class       = coalesce(var.db_replica_instance_class, var.db_instance_class)
  parameter_group_name = aws_db_parameter_group.main.name

  max_allocated_storage  = var.db_max_allocated_storage
  storage_type           = "gp3"
  storage_encrypted      = true
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false

  # A replica has no backups of its own and nothing to keep when it goes.
  backup_retention_period = 0
  skip_final_snapshot     = true
  deletion_protection     = var.deletion_protection

  enabled_cloudwatch_logs_exports = ["postgresql"]
  performance_insights_enabled    = var.db_performance_insights
  auto_minor_version_upgrade      = true
  apply_immediately               = false
}
