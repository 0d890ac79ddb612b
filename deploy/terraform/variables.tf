# ---------------------------------------------------------------- general

variable "region" {
  description = "AWS region to deploy into. eu-west-2 (London) keeps data next to the Europe/London users."
  type        = string
  default     = "eu-west-2"
}

variable "environment" {
  description = "Environment name, used in every resource name (deloton-<environment>)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 characters: lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags added to every resource (cost centre, owner...)."
  type        = map(string)
  default     = {}
}

variable "image_tag" {
  description = "Tag of the deloton image in the ECR repository this module creates (for example a git commit SHA). Tags are immutable, so every release gets a new one."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid Docker tag and not \"latest\": tags are immutable here, so use a version or commit SHA."
  }
}

# ---------------------------------------------------------------- network

variable "vpc_cidr" {
  description = "CIDR block of the VPC; split into two public and two private subnets."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be an IPv4 CIDR block of /20 or larger, for example 10.40.0.0/16."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway shared by both zones (cheaper) instead of one per zone (survives a zone outage)."
  type        = bool
  default     = true
}

variable "allowed_ingress_cidrs" {
  description = "IPv4 CIDR blocks allowed to reach the load balancer (API and dashboard): the networks your users and API clients are in. Required: the API serves personal and health data, so nothing is open by default."
  type        = list(string)

  validation {
    condition     = length(var.allowed_ingress_cidrs) > 0 && alltrue([for c in var.allowed_ingress_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_ingress_cidrs must hold at least one valid IPv4 CIDR block."
  }

  # Every request still needs a key or a session; this only keeps the whole internet from
  # probing for one unless someone decided that it should.
  validation {
    condition     = var.allow_public_ingress || alltrue([for c in var.allowed_ingress_cidrs : !endswith(c, "/0")])
    error_message = "allowed_ingress_cidrs opens the load balancer to every address (a /0 block): name your networks, or set allow_public_ingress = true to mean it."
  }
}

variable "allow_public_ingress" {
  description = "Allow a /0 block (the whole internet) in allowed_ingress_cidrs. Off by default; every read still needs a key or a dashboard session."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate ARN for the load balancer's HTTPS listener (required: keys and session cookies must never cross the internet in clear; port 80 only redirects to HTTPS)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)."
  }
}

variable "alb_idle_timeout" {
  description = "Seconds the load balancer keeps an idle connection open. The dashboard's live feed is a long-lived server-sent-events stream, so this is above the 60 s default."
  type        = number
  default     = 300

  validation {
    condition     = var.alb_idle_timeout >= 60 && var.alb_idle_timeout <= 4000
    error_message = "alb_idle_timeout must be between 60 and 4000 seconds."
  }
}

# ---------------------------------------------------------------- database

variable "db_instance_class" {
  description = "RDS instance class for the PostgreSQL warehouse."
  type        = string
  default     = "db.t4g.small"
}

variable "db_engine_version" {
  description = "PostgreSQL major version (RDS picks the current minor and applies minor upgrades in the maintenance window)."
  type        = string
  default     = "16"

  validation {
    condition     = contains(["15", "16"], var.db_engine_version)
    error_message = "db_engine_version must be \"15\" or \"16\", the versions deloton is tested with."
  }
}

variable "db_allocated_storage" {
  description = "Initial database storage in GiB (gp3)."
  type        = number
  default     = 20

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 65536
    error_message = "db_allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "db_max_allocated_storage" {
  description = "Upper bound in GiB for storage autoscaling; readings grow every day."
  type        = number
  default     = 200

  validation {
    condition     = var.db_max_allocated_storage >= var.db_allocated_storage
    error_message = "db_max_allocated_storage must be at least db_allocated_storage."
  }
}

variable "db_multi_az" {
  description = "Run a synchronous standby in the second zone (about doubles the database cost; recommended for production)."
  type        = bool
  default     = false
}

variable "db_read_replica" {
  description = "Add an RDS read replica: serve and the daily report read from it (DELOTON_READ_DATABASE_URL); writes and migrations stay on the primary."
  type        = bool
  default     = false
}

variable "db_replica_instance_class" {
  description = "RDS instance class of the read replica (null: the primary's)."
  type        = string
  default     = null
}

variable "db_backup_retention_days" {
  description = "Days of automated backups and point-in-time recovery."
  type        = number
  default     = 14

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the database and the load balancer (turn off deliberately, and apply, before `terraform destroy`)."
  type        = bool
  default     = true
}

variable "db_performance_insights" {
  description = "Enable Performance Insights (7 days free retention; not offered on every small instance class)."
  type        = bool
  default     = false
}

variable "db_name" {
  description = "Name of the warehouse database."
  type        = string
  default     = "deloton"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a letter and hold only lower-case letters, digits and underscores."
  }
}

variable "db_username" {
  description = "Master user of the warehouse database, used by deloton."
  type        = string
  default     = "deloton"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,15}$", var.db_username)) && !contains(["admin", "postgres", "rdsadmin"], var.db_username)
    error_message = "db_username must be 1-16 lower-case letters, digits or underscores, starting with a letter, and not a reserved name."
  }
}

# ---------------------------------------------------------------- kafka

variable "kafka_brokers" {
  description = "Bootstrap servers of the Kafka cluster that carries the bike stream, comma-separated host:port (for example MSK's SASL/SCRAM endpoints). Not created here."
  type        = string

  validation {
    condition     = can(regex("^[^,\\s]+:[0-9]+(,[^,\\s]+:[0-9]+)*$", var.kafka_brokers))
    error_message = "kafka_brokers must be a comma-separated list of host:port."
  }
}

variable "kafka_broker_cidrs" {
  description = "IPv4 CIDR blocks the Kafka brokers are in (for example the MSK cluster's subnets, or a managed service's published ranges). Ingest may connect there, on the ports named in kafka_brokers, and nowhere else for Kafka."
  type        = list(string)

  validation {
    condition     = length(var.kafka_broker_cidrs) > 0 && alltrue([for c in var.kafka_broker_cidrs : can(cidrhost(c, 0))])
    error_message = "kafka_broker_cidrs must hold at least one valid IPv4 CIDR block."
  }
}

variable "kafka_topic" {
  description = "Topic that carries the bike stream."
  type        = string
  default     = "deloton"
}

variable "kafka_group" {
  description = "Consumer group shared by all ingest tasks; partitions are divided among its members."
  type        = string
  default     = "deloton-ingest"
}

variable "kafka_security_protocol" {
  description = "librdkafka security.protocol. SASL_* reads the username and password from the Kafka secret."
  type        = string
  default     = "SASL_SSL"

  validation {
    condition     = contains(["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"], var.kafka_security_protocol)
    error_message = "kafka_security_protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."
  }
}

variable "kafka_stream_by" {
  description = "How ingest tells bikes apart: \"partition\" (one bike per partition) or \"key\" (each bike has its own message key, as deloton simulate writes)."
  type        = string
  default     = "partition"

  validation {
    condition     = contains(["partition", "key"], var.kafka_stream_by)
    error_message = "kafka_stream_by must be \"partition\" or \"key\"."
  }
}

# ---------------------------------------------------------------- mail and report

variable "mail_from" {
  description = "Sender address of alert and report emails (must be verified with the SMTP provider, e.g. SES)."
  type        = string
  default     = "alerts@deloton.example"

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+$", var.mail_from))
    error_message = "mail_from must be an email address."
  }
}

variable "smtp_port" {
  description = "Port of the SMTP server in the smtp secret's URL: 465 for smtps:// (TLS from the first byte), 587 for smtp:// with STARTTLS. The only mail port tasks may connect to."
  type        = number
  default     = 465

  validation {
    condition     = contains([465, 587, 2465, 2587], var.smtp_port)
    error_message = "smtp_port must be a submission port with TLS: 465 or 587 (SES also offers 2465 and 2587)."
  }
}

variable "report_to" {
  description = "Recipients of the daily report."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.report_to : can(regex("^[^@\\s,]+@[^@\\s,]+$", a))])
    error_message = "Every report_to entry must be one email address."
  }
}

variable "timezone" {
  description = "IANA time zone deloton uses for days, reports and shown times."
  type        = string
  default     = "Europe/London"
}

# ---------------------------------------------------------------- compute

variable "serve_cpu" {
  description = "CPU units (1024 = 1 vCPU) of each serve task."
  type        = number
  default     = 256
}

variable "serve_memory" {
  description = "Memory in MiB of each serve task (must fit Fargate's CPU/memory pairs)."
  type        = number
  default     = 512
}

variable "serve_min_count" {
  description = "Fewest serve tasks; two keep the API up while one is replaced."
  type        = number
  default     = 2

  validation {
    condition     = var.serve_min_count >= 1
    error_message = "serve_min_count must be at least 1."
  }
}

variable "serve_max_count" {
  description = "Most serve tasks the CPU autoscaling may run."
  type        = number
  default     = 6

  validation {
    condition     = var.serve_max_count >= var.serve_min_count
    error_message = "serve_max_count must be at least serve_min_count."
  }
}

variable "serve_cpu_target" {
  description = "Average CPU utilisation (percent) the serve autoscaling aims for."
  type        = number
  default     = 60

  validation {
    condition     = var.serve_cpu_target > 10 && var.serve_cpu_target < 95
    error_message = "serve_cpu_target must be between 10 and 95."
  }
}

variable "ingest_instances" {
  description = "Number of ingest consumers, each its own ECS service with a static group membership id. More than the topic's partition count leaves the extra ones idle."
  type        = number
  default     = 2

  validation {
    condition     = var.ingest_instances >= 1 && var.ingest_instances <= 64
    error_message = "ingest_instances must be between 1 and 64."
  }
}

variable "ingest_cpu" {
  description = "CPU units of each ingest task."
  type        = number
  default     = 512
}

variable "ingest_memory" {
  description = "Memory in MiB of each ingest task."
  type        = number
  default     = 1024
}

variable "report_cpu" {
  description = "CPU units of the daily report and migration tasks (charts and PDF rendering)."
  type        = number
  default     = 512
}

variable "report_memory" {
  description = "Memory in MiB of the daily report and migration tasks."
  type        = number
  default     = 1024
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps container logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "container_insights" {
  description = "Enable CloudWatch Container Insights on the ECS cluster (extra metrics, extra cost)."
  type        = bool
  default     = true
}

variable "ecr_keep_images" {
  description = "How many most recent images the ECR lifecycle policy keeps."
  type        = number
  default     = 30

  validation {
    condition     = var.ecr_keep_images >= 5
    error_message = "ecr_keep_images must be at least 5, so a rollback target survives."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the Fargate tasks; must match the pushed image (ARM64 is about 20 % cheaper: build with --platform linux/arm64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic that CloudWatch alarms notify (for example one with an email subscription). Empty: alarms only change state."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_topic_arn == "" || can(regex("^arn:aws[a-z-]*:sns:", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be empty or an SNS topic ARN."
  }
}

variable "start_services" {
  description = "Run the services and the daily schedule. Set false for the very first apply, so nothing starts before the image is pushed, the secrets are filled and the schema is migrated."
  type        = bool
  default     = true
}

variable "metrics_port" {
  description = "Port on which serve and ingest tasks serve Prometheus metrics at /metrics, without a key and with nothing personal (serve's /metrics on 8080 needs a key)."
  type        = number
  default     = 9464

  validation {
    condition     = var.metrics_port >= 1024 && var.metrics_port <= 65535 && var.metrics_port != 8080
    error_message = "metrics_port must be an unprivileged port other than serve's 8080."
  }
}

variable "metrics_scrape_cidrs" {
  description = "Networks a Prometheus scraper runs in (for example the VPC, or a peered monitoring VPC): allowed to serve's and ingest's metrics_port. Empty: nothing may scrape."
  type        = list(string)
  default     = []
}
