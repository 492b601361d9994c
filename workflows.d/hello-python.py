"""The code of the `greet` node of hello-python.yaml: `main(inputs)` returns the output."""

import time

from flowplane import sdk


def main(inputs):
    names = [n for n in inputs["nodes"]["names"] if n]
    for name in names:
        print(f"greeting {name}")
        time.sleep(0.5)  # the prints arrive one by one in executionUpdated
    return {
        "greetings": [f"Hello, {name}!" for name in names],
        "execution": inputs["execution"]["id"],
        "services": sorted(sdk.services()),
    }
