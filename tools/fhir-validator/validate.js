#!/usr/bin/env node
// Validates FHIR R4 JSON files independently of the Python models:
// - against the official FHIR 4.0 JSON schema (@asymmetrik/fhir-json-schema-validator), which
//   forbids elements that R4 does not define;
// - every UCUM unit code (system http://unitsofmeasure.org) with @lhncbc/ucum-lhc;
// - every reference inside a Bundle resolves to an entry's fullUrl.
// Usage: node validate.js FILE.json [...]; prints a JSON report, exits 1 when anything fails.
'use strict';

const fs = require('fs');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
const ucum = require('@lhncbc/ucum-lhc');

const UCUM = 'http://unitsofmeasure.org';
const schemaValidator = new JSONSchemaValidator();
const ucumUtils = ucum.UcumLhcUtils.getInstance();

function walk(value, path, visit) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, visit));
  } else if (value && typeof value === 'object') {
    visit(value, path);
    for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`, visit);
  }
}

function schemaErrors(resource, path) {
  return schemaValidator.validate(resource).map((e) => ({
    check: 'schema',
    path: `${path}${e.dataPath || ''}`,
    message: e.message,
    params: e.params,
  }));
}

function validate(resource) {
  // Each entry on its own first: the schema's errors for a whole bundle name no resource.
  const entries = resource.entry || [];
  let errors = entries.flatMap((entry, i) =>
    entry.resource ? schemaErrors(entry.resource, `Bundle.entry[${i}].resource`) : [],
  );
  if (errors.length === 0) errors = schemaErrors(resource, resource.resourceType);
  const fullUrls = new Set((resource.entry || []).map((entry) => entry.fullUrl));
  walk(resource, resource.resourceType, (node, path) => {
    if (node.system === UCUM && typeof node.code === 'string') {
      const result = ucumUtils.validateUnitString(node.code, true);
      if (result.status !== 'valid') {
        errors.push({ check: 'ucum', path, message: `'${node.code}' is not valid UCUM` });
      }
    }
    if (resource.resourceType === 'Bundle' && typeof node.reference === 'string') {
      if (!fullUrls.has(node.reference)) {
        errors.push({ check: 'reference', path, message: `'${node.reference}' does not resolve` });
      }
    }
  });
  return errors;
}

const reports = process.argv.slice(2).map((file) => {
  const resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { file, resourceType: resource.resourceType, errors: validate(resource) };
});
process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
process.exit(reports.every((report) => report.errors.length === 0) ? 0 : 1);
