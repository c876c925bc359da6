"""The bundled model zoo: one sub-folder per model (``config.json``, fp16
``model.safetensors``, ``MODEL_CARD.md``), plus the helpers that name them.

See ``docs/zoo.md`` for how the models were trained and measured.
"""
