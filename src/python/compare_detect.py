"""dlenv compare: which of the compared frameworks this interpreter can import, found without
importing them (an import of TensorFlow alone takes seconds). Prints one JSON object:
{"python": "3.11.2", "frameworks": ["numpy", "torch"]}."""

import importlib.util
import json
import platform

MODULES = ["numpy", "torch", "tensorflow", "jax", "cupy"]

found = []
for name in MODULES:
    try:
        if importlib.util.find_spec(name) is not None:
            found.append(name)
    except (ImportError, ValueError):
        pass
print(json.dumps({"python": platform.python_version(), "frameworks": found}))
