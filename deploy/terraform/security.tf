# Traffic is allowed only along the data flow: clients -> ALB -> serve;
# serve and the workers -> PostgreSQL; workers -> Kafka and SMTP; tasks -> AWS
# APIs over HTTPS. Terraform removes the allow-all egress AWS gives a new group,
# so each group sends only what its rules below name.

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "deloton load balancer: HTTP(S) from allowed clients"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-alb" }
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each = toset(var.allowed_ingress_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTP, only redirected to HTTPS"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.allowed_ingress_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "alb_to_serve" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Forward to serve tasks"
  referenced_security_group_id = aws_security_group.serve.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_security_group" "serve" {
  name        = "${local.name}-serve"
  description = "deloton serve tasks: port 8080 from the load balancer"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-serve" }
}

resource "aws_vpc_security_group_ingress_rule" "serve_from_alb" {
  security_group_id            = aws_security_group.serve.id
  description                  = "HTTP from the load balancer"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

# ingest, report and migrate accept no connections at all.
resource "aws_security_group" "worker" {
  name        = "${local.name}-worker"
  description = "deloton ingest, report and migrate tasks: outbound only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-worker" }
}

locals {
  task_groups = {
    serve  = aws_security_group.serve.id
    worker = aws_security_group.worker.id
  }

  # The ports named in kafka_brokers ("host:9096,host:9096" -> [9096]).
  kafka_ports = distinct([for broker in split(",", var.kafka_brokers) : tonumber(regex(":([0-9]+)$", broker)[0])])
}

# ECR (and the S3 layers behind it), Secrets Manager and CloudWatch Logs have no
# fixed addresses, so HTTPS to any: ECS pulls the image, reads the secrets and
# ships the logs through the task's own network interface. DNS (the VPC
# resolver) is not filtered by security groups.
resource "aws_vpc_security_group_egress_rule" "task_https" {
  for_each = local.task_groups

  security_group_id = each.value
  description       = "HTTPS to AWS APIs: ECR, Secrets Manager, CloudWatch Logs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "task_database" {
  for_each = local.task_groups

  security_group_id            = each.value
  description                  = "PostgreSQL warehouse"
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

# Only workers talk to Kafka (ingest) and send mail (ingest's alerts, the
# report); serve does neither.
resource "aws_vpc_security_group_egress_rule" "worker_kafka" {
  for_each = {
    for pair in setproduct(var.kafka_broker_cidrs, local.kafka_ports) : "${pair[0]}-${pair[1]}" => {
      cidr = pair[0]
      port = pair[1]
    }
  }

  security_group_id = aws_security_group.worker.id
  description       = "Kafka brokers"
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
}

# The mail provider's addresses are not fixed either; only the one TLS
# submission port is open.
resource "aws_vpc_security_group_egress_rule" "worker_smtp" {
  security_group_id = aws_security_group.worker.id
  description       = "SMTP submission with TLS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = var.smtp_port
  to_port           = var.smtp_port
}

resource "aws_security_group" "database" {
  name        = "${local.name}-database"
  description = "deloton PostgreSQL: port 5432 from deloton tasks only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${local.name}-database" }
}

resource "aws_vpc_security_group_ingress_rule" "database_from_tasks" {
  for_each = local.task_groups

  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from ${each.key} tasks"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

# Prometheus scrapes serve's and ingest's metrics port from the networks named
# in metrics_scrape_cidrs, and from nowhere else.
resource "aws_vpc_security_group_ingress_rule" "metrics_scrape" {
  for_each = {
    for pair in setproduct(["serve", "worker"], var.metrics_scrape_cidrs) : "${pair[0]}-${pair[1]}" => {
      group = pair[0]
      cidr  = pair[1]
    }
  }

  security_group_id = each.value.group == "serve" ? aws_security_group.serve.id : aws_security_group.worker.id
  description       = "Prometheus scrape of /metrics"
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = var.metrics_port
  to_port           = var.metrics_port
}
