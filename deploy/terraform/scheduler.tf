# The daily report: EventBridge Scheduler starts a one-off Fargate task
# running `deloton report --send` at 09:30 London time, every day. The
# scheduler applies the zone, so the run stays at 09:30 local across the
# GMT/BST changes. README.md explains why this rather than a long-running
# `deloton schedule` service. The scheduler delivers at least once (and
# retries below): `report --send` claims the day in the warehouse's ledger,
# so a second run for a day already sent sends nothing and exits 0.

resource "aws_scheduler_schedule_group" "main" {
  name = local.name
}

resource "aws_scheduler_schedule" "daily_report" {
  name        = "${local.name}-daily-report"
  group_name  = aws_scheduler_schedule_group.main.name
  description = "deloton daily report, emailed at 09:30 Europe/London"

  state                        = var.start_services ? "ENABLED" : "DISABLED"
  schedule_expression          = "cron(30 9 * * ? *)"
  schedule_expression_timezone = "Europe/London"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.main.arn
    role_arn = aws_iam_role.scheduler.arn

    ecs_parameters {
      task_definition_arn     = aws_ecs_task_definition.report.arn
      launch_type             = "FARGATE"
      task_count              = 1
      enable_ecs_managed_tags = true
      propagate_tags          = "TASK_DEFINITION"

      network_configuration {
        subnets          = aws_subnet.private[*].id
        security_groups  = [aws_security_group.worker.id]
        assign_public_ip = false
      }
    }

    # Retries cover a failed task start (capacity, API throttling); a report
    # that started and failed is visible in the report log group.
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }

    dead_letter_config {
      arn = aws_sqs_queue.report_dead_letter.arn
    }
  }
}

# Schedules that could not start a task land here; alarm on its depth.
resource "aws_sqs_queue" "report_dead_letter" {
  name                      = "${local.name}-report-dead-letter"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_cloudwatch_metric_alarm" "report_not_started" {
  alarm_name          = "${local.name}-daily-report-not-started"
  alarm_description   = "The daily report task could not be started by EventBridge Scheduler."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.report_dead_letter.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == "" ? [] : [var.alarm_topic_arn]
}
