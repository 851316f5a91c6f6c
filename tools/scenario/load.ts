// Loads an explain scenario: JSON syntax errors and schema errors become one line
// `file:line:col: field: message` (PagewalkError).
import { parseUserJson, readUserFile } from './json.ts';
import { scenarioSchema, type Scenario } from './schema.ts';

export function parseScenario(text: string, name: string): Scenario {
  return parseUserJson(scenarioSchema, text, name);
}

export function loadScenario(path: string, displayName = path): Scenario {
  return parseScenario(readUserFile(path, displayName), displayName);
}
