resource "aws_ecs_cluster" "main" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = var.container_insights ? "enabled" : "disabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "role" {
  for_each = toset(["serve", "ingest", "report", "migrate"])

  name              = "/ecs/${local.name}/${each.key}"
  retention_in_days = var.log_retention_days
}

locals {
  # Settings every role reads; roles ignore the ones they do not use.
  common_environment = {
    DELOTON_TIMEZONE                = var.timezone
    DELOTON_KAFKA_BROKERS           = var.kafka_brokers
    DELOTON_KAFKA_TOPIC             = var.kafka_topic
    DELOTON_KAFKA_GROUP             = var.kafka_group
    DELOTON_KAFKA_SECURITY_PROTOCOL = var.kafka_security_protocol
    DELOTON_STREAM_BY               = var.kafka_stream_by
    DELOTON_MAIL_FROM               = var.mail_from
    DELOTON_REPORT_TO               = join(",", var.report_to)
    # One JSON object per line: CloudWatch Logs Insights queries fields directly.
    DELOTON_LOG_FORMAT = "json"
  }

  database_secret = {
    DELOTON_DATABASE_URL = aws_secretsmanager_secret.database_url.arn
  }

  # The replica, for the roles whose reads may lag a moment (serve, report).
  read_database_secret = var.db_read_replica ? {
    DELOTON_READ_DATABASE_URL = aws_secretsmanager_secret.read_database_url[0].arn
  } : {}

  # Only SASL needs credentials; an unused, empty secret would stop tasks
  # from starting.
  kafka_secrets = startswith(var.kafka_security_protocol, "SASL_") ? {
    DELOTON_KAFKA_USERNAME = "${aws_secretsmanager_secret.kafka.arn}:username::"
    DELOTON_KAFKA_PASSWORD = "${aws_secretsmanager_secret.kafka.arn}:password::"
  } : {}

  smtp_secrets = {
    DELOTON_SMTP_URL      = "${aws_secretsmanager_secret.smtp.arn}:url::"
    DELOTON_SMTP_USERNAME = "${aws_secretsmanager_secret.smtp.arn}:username::"
    DELOTON_SMTP_PASSWORD = "${aws_secretsmanager_secret.smtp.arn}:password::"
  }

  # ingest and schedule-style workers touch this file every 10 s while
  # healthy; deloton-healthcheck (in the image) checks its age.
  liveness_file = "/tmp/deloton.alive"

  container_defaults = {
    image     = local.image
    essential = true
    user      = "10001:10001"
    # A tiny init as PID 1 forwards SIGTERM and reaps children.
    linuxParameters = { initProcessEnabled = true }
  }

  health_check = {
    command     = ["CMD", "deloton-healthcheck"]
    interval    = 30
    timeout     = 5
    retries     = 3
    startPeriod = 60
  }
}

# What differs between the single-task roles (ingest has its own, per
# instance, below).
locals {
  task_roles = {
    # Reads need a key or a dashboard session (never DELOTON_PUBLIC_READS here).
    # No one-time sign-in link at start: the output goes to CloudWatch, where
    # whoever reads the logs could sign in with it; sign in with a key instead.
    serve = {
      command = ["serve"]
      # /metrics on 8080 needs a key like any route; a scraper reads metrics_port instead.
      environment = {
        DELOTON_HOST            = "0.0.0.0"
        DELOTON_PORT            = "8080"
        DELOTON_METRICS_PORT    = tostring(var.metrics_port)
        DELOTON_NO_SIGN_IN_LINK = "1"
      }
      secrets = merge(local.database_secret, local.read_database_secret)
    }
    report = {
      command     = ["report", "--send"]
      environment = {}
      secrets     = merge(local.database_secret, local.read_database_secret, local.smtp_secrets)
    }
    migrate = {
      command     = ["migrate"]
      environment = {}
      secrets     = local.database_secret
    }
  }

  log_configuration = {
    for role in ["serve", "ingest", "report", "migrate"] : role => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.role[role].name
        awslogs-region        = var.region
        awslogs-stream-prefix = role
        # A slow CloudWatch never blocks the program's stdout.
        mode            = "non-blocking"
        max-buffer-size = "4m"
      }
    }
  }
}

resource "aws_ecs_task_definition" "serve" {
  family                   = "${local.name}-serve"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.serve_cpu
  memory                   = var.serve_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    merge(local.container_defaults, {
      name             = "serve"
      command          = local.task_roles.serve.command
      portMappings     = [{ containerPort = 8080, protocol = "tcp" }, { containerPort = var.metrics_port, protocol = "tcp" }]
      environment      = [for k, v in merge(local.common_environment, local.task_roles.serve.environment) : { name = k, value = v }]
      secrets          = [for k, v in local.task_roles.serve.secrets : { name = k, valueFrom = v }]
      healthCheck      = local.health_check
      stopTimeout      = 30
      logConfiguration = local.log_configuration.serve
    }),
  ])
}

# One task definition and one service per ingest consumer: each carries its
# own DELOTON_INSTANCE (static group membership), so a restarted consumer
# takes its partitions straight back without a group rebalance.
resource "aws_ecs_task_definition" "ingest" {
  for_each = local.ingest_instances

  family                   = "${local.name}-ingest-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.ingest_cpu
  memory                   = var.ingest_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    merge(local.container_defaults, {
      name    = "ingest"
      command = ["ingest", "--source", "kafka"]
      environment = [for k, v in merge(local.common_environment, {
        DELOTON_INSTANCE      = "${local.name}-ingest-${each.key}"
        DELOTON_LIVENESS_FILE = local.liveness_file
        # Prometheus metrics at :PORT/metrics on the task's own address.
        DELOTON_HOST         = "0.0.0.0"
        DELOTON_METRICS_PORT = tostring(var.metrics_port)
      }) : { name = k, value = v }]
      portMappings = [{ containerPort = var.metrics_port, protocol = "tcp" }]
      secrets      = [for k, v in merge(local.database_secret, local.kafka_secrets, local.smtp_secrets) : { name = k, valueFrom = v }]
      healthCheck  = local.health_check
      # Time to finish the batch in flight and commit its offsets.
      stopTimeout      = 60
      logConfiguration = local.log_configuration.ingest
    }),
  ])
}

resource "aws_ecs_task_definition" "report" {
  family                   = "${local.name}-report"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.report_cpu
  memory                   = var.report_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    merge(local.container_defaults, {
      name             = "report"
      command          = local.task_roles.report.command
      environment      = [for k, v in merge(local.common_environment, local.task_roles.report.environment) : { name = k, value = v }]
      secrets          = [for k, v in local.task_roles.report.secrets : { name = k, valueFrom = v }]
      logConfiguration = local.log_configuration.report
    }),
  ])
}

# Run once per release, before the services roll (README.md, output
# migrate_command); serve and ingest do not migrate on their own, so two
# tasks never race on the schema.
resource "aws_ecs_task_definition" "migrate" {
  family                   = "${local.name}-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.report_cpu
  memory                   = var.report_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    merge(local.container_defaults, {
      name             = "migrate"
      command          = local.task_roles.migrate.command
      environment      = [for k, v in merge(local.common_environment, local.task_roles.migrate.environment) : { name = k, value = v }]
      secrets          = [for k, v in local.task_roles.migrate.secrets : { name = k, valueFrom = v }]
      logConfiguration = local.log_configuration.migrate
    }),
  ])
}

resource "aws_ecs_service" "serve" {
  name            = "${local.name}-serve"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.serve.arn
  desired_count   = var.start_services ? var.serve_min_count : 0
  launch_type     = "FARGATE"

  # Stateless: start new tasks before stopping old ones.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 60
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.serve.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.serve.arn
    container_name   = "serve"
    container_port   = 8080
  }

  # The autoscaler owns the task count once the service exists; it follows
  # the target's min_capacity below.
  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_lb_listener.https, aws_secretsmanager_secret_version.database_url]
}

resource "aws_ecs_service" "ingest" {
  for_each = local.ingest_instances

  name            = "${local.name}-ingest-${each.key}"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.ingest[each.key].arn
  desired_count   = var.start_services ? 1 : 0
  launch_type     = "FARGATE"

  # Stop the old consumer before starting the new one: two live members with
  # one static id would fence each other.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = false
  }

  depends_on = [aws_secretsmanager_secret_version.database_url]
}

resource "aws_appautoscaling_target" "serve" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.serve.name}"
  scalable_dimension = "ecs:service:DesiredCount"

  # Raising the minimum makes the autoscaler start the tasks.
  min_capacity = var.start_services ? var.serve_min_count : 0
  max_capacity = var.start_services ? var.serve_max_count : 0
}

resource "aws_appautoscaling_policy" "serve_cpu" {
  name               = "${local.name}-serve-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.serve.service_namespace
  resource_id        = aws_appautoscaling_target.serve.resource_id
  scalable_dimension = aws_appautoscaling_target.serve.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.serve_cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
