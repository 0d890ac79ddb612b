terraform {
  # 1.9: variable validations here compare two variables (for example
  # serve_max_count >= serve_min_count), which older versions reject.
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.x has aws_scheduler_schedule with ECS targets, the
      # aws_vpc_security_group_*_rule resources and arn_without_revision.
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State holds the generated database password: keep it in an encrypted,
  # access-controlled bucket. Configure with
  #   terraform init -backend-config=backend.hcl
  # (bucket, key, region, encrypt = true, use_lockfile = true); see README.md.
  backend "s3" {}
}
