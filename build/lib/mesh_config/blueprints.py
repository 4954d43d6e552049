"""The managed SMUS blueprints a project profile can use."""

from __future__ import annotations

from enum import StrEnum


class Blueprint(StrEnum):
    """Managed blueprint identifiers of a SageMaker Unified Studio (DataZone V2) domain."""

    TOOLING = "Tooling"
    DATA_LAKE = "DataLake"
    LAKEHOUSE_CATALOG = "LakehouseCatalog"
    REDSHIFT_SERVERLESS = "RedshiftServerless"
    EMR_SERVERLESS = "EmrServerless"
    EMR_ON_EC2 = "EmrOnEc2"
    WORKFLOWS = "Workflows"
    ML_EXPERIMENTS = "MLExperiments"
    QUICKSIGHT = "QuickSight"
    PARTNER_APPS = "PartnerApps"
    BEDROCK_GUARDRAIL = "AmazonBedrockGuardrail"
    BEDROCK_PROMPT = "AmazonBedrockPrompt"
    BEDROCK_EVALUATION = "AmazonBedrockEvaluation"
    BEDROCK_KNOWLEDGE_BASE = "AmazonBedrockKnowledgeBase"
    BEDROCK_CHAT_AGENT = "AmazonBedrockChatAgent"
    BEDROCK_FUNCTION = "AmazonBedrockFunction"
    BEDROCK_FLOW = "AmazonBedrockFlow"
