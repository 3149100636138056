"""Local-first research assistant for copyright in AI-generated content.

Importing the package makes every library it uses offline and quiet: no model-hub lookups,
no telemetry, no tracing. The machines this runs on have no network, and a research tool
must never send a user's questions or documents anywhere.
"""

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "TOKENIZERS_PARALLELISM": "false",
}
for _name, _value in _OFFLINE_ENV.items():
    os.environ.setdefault(_name, _value)

__version__ = "0.1.0"
