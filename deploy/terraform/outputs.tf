output "dashboard_url" {
  description = "Where the dashboard and the REST API answer. Browse through the DNS name your certificate covers (a CNAME or alias to alb_dns_name): the load balancer's own name is not in the certificate."
  value       = "https://${aws_lb.main.dns_name}"
}

output "alb_dns_name" {
  description = "DNS name of the load balancer, for a CNAME or alias record."
  value       = aws_lb.main.dns_name
}

output "ecr_repository_url" {
  description = "Push images here: docker push <url>:<image_tag>."
  value       = aws_ecr_repository.deloton.repository_url
}

output "ecs_cluster_name" {
  description = "ECS cluster running the deloton services."
  value       = aws_ecs_cluster.main.name
}

output "serve_service_name" {
  description = "ECS service of the API and dashboard."
  value       = aws_ecs_service.serve.name
}

output "ingest_service_names" {
  description = "ECS services of the ingest consumers, one per static group member."
  value       = [for s in aws_ecs_service.ingest : s.name]
}

output "database_endpoint" {
  description = "host:port of the PostgreSQL warehouse (reachable only from inside the VPC)."
  value       = aws_db_instance.main.endpoint
}

output "read_replica_endpoint" {
  description = "host:port of the read replica, or null without var.db_read_replica."
  value       = var.db_read_replica ? aws_db_instance.replica[0].endpoint : null
}

output "database_url_secret_arn" {
  description = "Secrets Manager secret holding DELOTON_DATABASE_URL."
  value       = aws_secretsmanager_secret.database_url.arn
}

output "kafka_secret_arn" {
  description = "Secrets Manager secret to fill with {\"username\", \"password\"} for Kafka SASL."
  value       = aws_secretsmanager_secret.kafka.arn
}

output "smtp_secret_arn" {
  description = "Secrets Manager secret to fill with {\"url\", \"username\", \"password\"} for SMTP."
  value       = aws_secretsmanager_secret.smtp.arn
}

output "daily_report_schedule" {
  description = "EventBridge Scheduler schedule that starts the daily report task."
  value       = "${aws_scheduler_schedule_group.main.name}/${aws_scheduler_schedule.daily_report.name}"
}

output "log_groups" {
  description = "CloudWatch log group of each role."
  value       = { for role, group in aws_cloudwatch_log_group.role : role => group.name }
}

output "migrate_command" {
  description = "Runs the schema migration once; do this before rolling out a new image."
  value = join(" ", [
    "aws ecs run-task",
    "--region ${var.region}",
    "--cluster ${aws_ecs_cluster.main.name}",
    "--launch-type FARGATE",
    "--task-definition ${aws_ecs_task_definition.migrate.family}",
    "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", aws_subnet.private[*].id)}],securityGroups=[${aws_security_group.worker.id}],assignPublicIp=DISABLED}'",
  ])
}
