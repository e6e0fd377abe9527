#!/usr/bin/env python3
"""Writes google-calendar-v3.discovery.json: Google's Calendar API v3 discovery document trimmed
to the methods the sandbox serves and the schemas they reach, keeping the discovery structure
(top-level fields, `parameters`, `auth`, `resources.*.methods`, `schemas`) so that it is still a
valid discovery document.

Source: the discovery document that Google ships in its Python client, file
googleapiclient/discovery_cache/documents/calendar.v3.json of the `google-api-python-client`
package (version and revision in README.md):

    pip download --no-deps google-api-python-client==2.202.0 -d /tmp/gapi
    unzip -p /tmp/gapi/google_api_python_client-*.whl \
        googleapiclient/discovery_cache/documents/calendar.v3.json > /tmp/calendar.v3.json
    python3 trim_google_discovery.py /tmp/calendar.v3.json > google-calendar-v3.discovery.json
"""

import json
import sys

METHODS = {
    "calendarList": ["list"],
    "events": ["list", "get", "insert", "patch", "delete"],
    "freebusy": ["query"],
}


def refs(node, found):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"])
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def main():
    doc = json.load(open(sys.argv[1]))
    resources = {}
    for resource, methods in METHODS.items():
        kept = {m: doc["resources"][resource]["methods"][m] for m in methods}
        resources[resource] = {"methods": kept}
    wanted = set()
    refs(resources, wanted)
    schemas = {}
    while wanted - set(schemas):
        name = sorted(wanted - set(schemas))[0]
        schemas[name] = doc["schemas"][name]
        refs(schemas[name], wanted)
    trimmed = {k: v for k, v in doc.items() if k not in ("resources", "schemas")}
    trimmed["resources"] = resources
    trimmed["schemas"] = dict(sorted(schemas.items()))
    json.dump(trimmed, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
