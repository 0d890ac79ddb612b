provider "aws" {
  region = var.region

  default_tags {
    tags = merge(
      {
        Project     = "deloton"
        Environment = var.environment
        ManagedBy   = "terraform"
      },
      var.tags,
    )
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_caller_identity" "current" {}

locals {
  name = "deloton-${var.environment}"

  # Two zones: enough for a Multi-AZ database and an ALB, the least NAT cost.
  azs = slice(data.aws_availability_zones.available.names, 0, 2)

  # Every task runs the same image; the tag is immutable in ECR, so a deploy
  # is a new tag plus `terraform apply`.
  image = "${aws_ecr_repository.deloton.repository_url}:${var.image_tag}"

  ingest_instances = toset([for i in range(var.ingest_instances) : format("%d", i + 1)])
}
