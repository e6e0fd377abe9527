#!/usr/bin/env python3
"""Builds graph-v1.0-calendar.openapi.json: the part of Microsoft Graph v1.0 the sandbox serves,
as an OpenAPI 3.0 document, from Graph's CSDL metadata.

Source: microsoftgraph/msgraph-metadata, clean_v10_metadata/cleanMetadata.xml (the input from
which that repository generates openapi/v1.0/openapi.yaml; the YAML itself is too large to bring
here). The commit used is in README.md.

    python3 graph_from_csdl.py cleanMetadata.xml > graph-v1.0-calendar.openapi.json

What it writes, following the conventions of Microsoft's CSDL-to-OpenAPI converter
(Microsoft.OpenApi.OData) as they appear in openapi.yaml:
- `paths`: the routes listed in PATHS below with the converter's query options (`$top`, `$skip`,
  `$filter`, `$count`, `$orderby`, `$select`, `$expand`), plus the custom ones the CSDL declares
  (`startDateTime`/`endDateTime` on calendarView, from the `me` singleton's
  NavigationRestrictions). Successful answers are `2XX`, errors `default`, as in openapi.yaml.
- `components/schemas`: `microsoft.graph.<type>` for user, calendar and event and every
  structural type they reach. Entity types are `allOf: [base, {title, type: object,
  properties}]`; a nullable complex or enum property is `anyOf: [{$ref}, {type: object,
  nullable: true}]`; Edm primitives map as the converter maps them.
- Two deliberate differences: navigation properties are left out (they never appear in an
  answer without `$expand`, and following them pulls in most of Graph), and `@odata.type` is a
  property but not required (Graph omits it for non-derived types, as in the answers tested).
- The collection, delta and error response shapes the converter adds by hand
  (`BaseCollectionPaginationCountResponse`, `BaseDeltaFunctionResponse`,
  `microsoft.graph.ODataErrors.*`).
"""

import json
import sys
import xml.etree.ElementTree as ET

NS = {"edm": "http://docs.oasis-open.org/odata/ns/edm"}
GRAPH = "microsoft.graph"

# (path, method, kind, payload): kind is entity, collection, delta, create, update or delete.
PATHS = [
    ("/me", "get", "entity", "user"),
    ("/me/calendars", "get", "collection", "calendar"),
    ("/me/calendars/{calendar-id}", "get", "entity", "calendar"),
    ("/me/calendarView", "get", "collection", "event"),
    ("/me/calendar/calendarView", "get", "collection", "event"),
    ("/me/calendars/{calendar-id}/calendarView", "get", "collection", "event"),
    ("/me/calendarView/microsoft.graph.delta()", "get", "delta", "event"),
    ("/me/calendars/{calendar-id}/calendarView/microsoft.graph.delta()", "get", "delta", "event"),
    ("/me/events", "post", "create", "event"),
    ("/me/calendar/events", "post", "create", "event"),
    ("/me/calendars/{calendar-id}/events", "post", "create", "event"),
    ("/me/events/{event-id}", "get", "entity", "event"),
    ("/me/events/{event-id}", "patch", "update", "event"),
    ("/me/events/{event-id}", "delete", "delete", "event"),
]

PRIMITIVES = {
    "Edm.String": {"type": "string"},
    "Edm.Boolean": {"type": "boolean"},
    "Edm.Int32": {"maximum": 2147483647, "minimum": -2147483648, "type": "number", "format": "int32"},
    "Edm.Int64": {"type": "number", "format": "int64"},
    "Edm.Int16": {"maximum": 32767, "minimum": -32768, "type": "number", "format": "int16"},
    "Edm.Byte": {"type": "number", "format": "uint8"},
    "Edm.Double": {"anyOf": [{"type": "number"}, {"type": "string"}, {"$ref": "#/components/schemas/ReferenceNumeric"}]},
    "Edm.Single": {"anyOf": [{"type": "number"}, {"type": "string"}, {"$ref": "#/components/schemas/ReferenceNumeric"}]},
    "Edm.Decimal": {"anyOf": [{"type": "number"}, {"type": "string"}]},
    "Edm.DateTimeOffset": {"pattern": "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$", "type": "string", "format": "date-time"},
    "Edm.Date": {"pattern": "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$", "type": "string", "format": "date"},
    "Edm.TimeOfDay": {"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?$", "type": "string", "format": "time"},
    "Edm.Duration": {"pattern": "^-?P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+([.][0-9]+)?S)?)?$", "type": "string", "format": "duration"},
    "Edm.Guid": {"pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", "type": "string", "format": "uuid"},
    "Edm.Binary": {"type": "string", "format": "base64url"},
    "Edm.Stream": {"type": "string", "format": "base64url"},
}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def qualified(type_name):
    """graph.event and microsoft.graph.event both name microsoft.graph.event."""
    if type_name.startswith("graph."):
        return GRAPH + type_name[len("graph"):]
    return type_name


class Model:
    def __init__(self, root):
        self.types = {}
        self.graph = None
        for schema in root.iter("{%s}Schema" % NS["edm"]):
            namespace = schema.get("Namespace")
            if namespace == GRAPH:
                self.graph = schema
            for kind in ("EntityType", "ComplexType", "EnumType"):
                for t in schema.findall(f"edm:{kind}", NS):
                    self.types[f"{namespace}.{t.get('Name')}"] = (kind, t)

    def custom_query_options(self, singleton, nav_path):
        """CustomQueryOptions the CSDL declares for a navigation path under a singleton."""
        container = self.graph.find("edm:EntityContainer", NS)
        node = next(x for x in container if x.get("Name") == singleton)
        options = []
        for record in node.iter("{%s}Record" % NS["edm"]):
            path = record.find("edm:PropertyValue[@Property='NavigationProperty']/edm:PropertyPath", NS)
            if path is None or path.text != nav_path:
                continue
            for option in record.iter("{%s}Record" % NS["edm"]):
                values = {p.get("Property"): p for p in option.findall("edm:PropertyValue", NS)}
                if "Name" in values:
                    options.append({
                        "name": values["Name"].get("String"),
                        "description": values["Description"].get("String") if "Description" in values else None,
                        "required": values.get("Required") is not None and values["Required"].get("Bool") == "true",
                    })
        return options


def description(node):
    for a in node.findall("edm:Annotation", NS):
        if a.get("Term") == "Org.OData.Core.V1.Description":
            return a.get("String")
    return None


def property_schema(model, type_name, nullable, wanted):
    if type_name.startswith("Collection("):
        inner = type_name[len("Collection("):-1]
        return {"type": "array", "items": property_schema(model, inner, False, wanted)}
    if type_name in PRIMITIVES:
        schema = dict(PRIMITIVES[type_name])
        if nullable:
            schema["nullable"] = True
        return schema
    name = qualified(type_name)
    wanted.add(name)
    if nullable:
        return {"anyOf": [ref(name), {"type": "object", "nullable": True}]}
    return ref(name)


def type_schema(model, name, wanted):
    kind, node = model.types[name]
    short = name.rsplit(".", 1)[1]
    if kind == "EnumType":
        return {"title": short, "enum": [m.get("Name") for m in node.findall("edm:Member", NS)], "type": "string"}
    properties = {}
    for p in node.findall("edm:Property", NS):
        schema = property_schema(model, p.get("Type"), p.get("Nullable") != "false", wanted)
        text = description(p)
        if text:
            schema["description"] = text
        properties[p.get("Name")] = schema
    properties["@odata.type"] = {"type": "string"}
    body = {"title": short, "type": "object", "properties": properties}
    base = node.get("BaseType")
    if base:
        wanted.add(qualified(base))
        return {"allOf": [ref(qualified(base)), body]}
    return body


def parameter(name, description_text, required=False, array=False):
    schema = {"uniqueItems": True, "type": "array", "items": {"type": "string"}} if array else {"type": "string"}
    p = {"name": name, "in": "query", "description": description_text, "style": "form", "explode": False, "schema": schema}
    if required:
        p["required"] = True
    return p


def path_parameters(path):
    out = []
    for segment in path.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            key = segment[1:-1]
            entity = key[: -len("-id")]
            out.append({
                "name": key,
                "in": "path",
                "description": f"The unique identifier of {entity}",
                "required": True,
                "style": "simple",
                "schema": {"type": "string"},
                "x-ms-docs-key-type": entity,
            })
    return out


def operation(model, path, method, kind, payload):
    params = path_parameters(path)
    if "calendarView" in path:
        nav = "calendarView" if path.startswith("/me/calendarView") else (
            "calendar/calendarView" if path.startswith("/me/calendar/") else "calendars/calendarView")
        for o in model.custom_query_options("me", nav):
            params.append(parameter(o["name"], o["description"], required=o["required"]))
    select = parameter("$select", "Select properties to be returned", array=True)
    expand = parameter("$expand", "Expand related entities", array=True)
    orderby = parameter("$orderby", "Order items by property values", array=True)
    error = {"$ref": "#/components/responses/error"}
    if kind == "entity":
        params += [select, expand]
        responses = {"2XX": {"description": "Retrieved entity", "content": {"application/json": {"schema": ref(f"microsoft.graph.{payload}")}}}}
    elif kind in ("collection", "delta"):
        params += [{"$ref": "#/components/parameters/top"}, {"$ref": "#/components/parameters/skip"}]
        if kind == "delta":
            params.append({"$ref": "#/components/parameters/search"})
        params += [{"$ref": "#/components/parameters/filter"}, {"$ref": "#/components/parameters/count"}, orderby, select]
        if kind == "collection" and payload == "calendar":
            params.append(expand)
        name = f"microsoft.graph.{payload}CollectionResponse" if kind == "collection" else "deltaResponse"
        responses = {"2XX": {"$ref": f"#/components/responses/{name}"}}
    elif kind == "create":
        responses = {"2XX": {"description": "Created navigation property.", "content": {"application/json": {"schema": ref(f"microsoft.graph.{payload}")}}}}
    elif kind == "update":
        responses = {"2XX": {"description": "Success", "content": {"application/json": {"schema": ref(f"microsoft.graph.{payload}")}}}}
    else:
        params.append({"name": "If-Match", "in": "header", "description": "ETag", "style": "simple", "schema": {"type": "string"}})
        responses = {"2XX": {"description": "Success"}}
    responses["default"] = error
    op = {"operationId": f"{path}:{method}", "parameters": params, "responses": responses}
    if kind in ("create", "update"):
        op["requestBody"] = {"description": "New navigation property", "content": {"application/json": {"schema": ref(f"microsoft.graph.{payload}")}}, "required": True}
    return op


def main():
    model = Model(ET.parse(sys.argv[1]).getroot())
    paths = {}
    for path, method, kind, payload in PATHS:
        paths.setdefault(path, {})[method] = operation(model, path, method, kind, payload)

    wanted = {"microsoft.graph.user", "microsoft.graph.calendar", "microsoft.graph.event"}
    schemas = {}
    while wanted - set(schemas):
        name = sorted(wanted - set(schemas))[0]
        schemas[name] = type_schema(model, name, wanted)

    schemas["ReferenceNumeric"] = {"enum": ["-INF", "INF", "NaN"], "type": "string", "nullable": True}
    schemas["BaseCollectionPaginationCountResponse"] = {
        "title": "Base collection pagination and count responses",
        "type": "object",
        "properties": {
            "@odata.count": {"type": "integer", "format": "int64", "nullable": True},
            "@odata.nextLink": {"type": "string", "nullable": True},
        },
    }
    schemas["BaseDeltaFunctionResponse"] = {
        "title": "Base delta function response",
        "type": "object",
        "properties": {
            "@odata.nextLink": {"type": "string", "nullable": True},
            "@odata.deltaLink": {"type": "string", "nullable": True},
        },
    }
    for payload in ("calendar", "event"):
        schemas[f"microsoft.graph.{payload}CollectionResponse"] = {
            "allOf": [ref("BaseCollectionPaginationCountResponse"), {
                "title": f"Collection of {payload}",
                "type": "object",
                "properties": {"value": {"type": "array", "items": ref(f"microsoft.graph.{payload}")}},
            }],
        }
    schemas["microsoft.graph.ODataErrors.ODataError"] = {
        "required": ["error"], "type": "object",
        "properties": {"error": ref("microsoft.graph.ODataErrors.MainError")},
    }
    schemas["microsoft.graph.ODataErrors.MainError"] = {
        "required": ["code", "message"], "type": "object",
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string", "x-ms-primary-error-message": True},
            "target": {"type": "string", "nullable": True},
            "details": {"type": "array", "items": ref("microsoft.graph.ODataErrors.ErrorDetails")},
            "innerError": ref("microsoft.graph.ODataErrors.InnerError"),
        },
    }
    schemas["microsoft.graph.ODataErrors.ErrorDetails"] = {
        "required": ["code", "message"], "type": "object",
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "target": {"type": "string", "nullable": True}},
    }
    schemas["microsoft.graph.ODataErrors.InnerError"] = {
        "type": "object",
        "properties": {
            "request-id": {"type": "string", "nullable": True},
            "client-request-id": {"type": "string", "nullable": True},
            "date": {"type": "string", "format": "date-time", "nullable": True},
        },
    }

    def collection_response(payload):
        return {"description": "Retrieved collection", "content": {"application/json": {"schema": ref(f"microsoft.graph.{payload}CollectionResponse")}}}

    document = {
        "openapi": "3.0.4",
        "info": {
            "title": "Microsoft Graph v1.0: the calendar part served by provider-sandbox",
            "description": "Extracted from Microsoft Graph's CSDL metadata by graph_from_csdl.py; see README.md.",
            "version": "v1.0",
        },
        "servers": [{"url": "https://graph.microsoft.com/v1.0/", "description": "Core"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "responses": {
                "error": {"description": "error", "content": {"application/json": {"schema": ref("microsoft.graph.ODataErrors.ODataError")}}},
                "microsoft.graph.calendarCollectionResponse": collection_response("calendar"),
                "microsoft.graph.eventCollectionResponse": collection_response("event"),
                "deltaResponse": {"description": "Success", "content": {"application/json": {"schema": {
                    "title": "Collection of event",
                    "allOf": [ref("BaseDeltaFunctionResponse"), {"type": "object", "properties": {
                        "value": {"type": "array", "items": ref("microsoft.graph.event")}}}],
                }}}},
            },
            "parameters": {
                "top": {"name": "$top", "in": "query", "description": "Show only the first n items", "style": "form", "explode": False, "schema": {"minimum": 0, "type": "integer"}},
                "skip": {"name": "$skip", "in": "query", "description": "Skip the first n items", "style": "form", "explode": False, "schema": {"minimum": 0, "type": "integer"}},
                "search": {"name": "$search", "in": "query", "description": "Search items by search phrases", "style": "form", "explode": False, "schema": {"type": "string"}},
                "filter": {"name": "$filter", "in": "query", "description": "Filter items by property values", "style": "form", "explode": False, "schema": {"type": "string"}},
                "count": {"name": "$count", "in": "query", "description": "Include count of items", "style": "form", "explode": False, "schema": {"type": "boolean"}},
            },
        },
    }
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
