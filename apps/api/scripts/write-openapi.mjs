// Writes the API's OpenAPI document to apps/api/openapi.json, which the web app's types are
// generated from (apps/web: npm run generate). The document is the one a running server
// serves (over the specs' fake store); openApiDocument.spec fails when the file has drifted.
import { writeFileSync } from 'node:fs';
import { startApiSpecHarness } from '../dist/testing/apiSpecHarness.js';

const harness = await startApiSpecHarness();
try {
  writeFileSync(new URL('../openapi.json', import.meta.url), JSON.stringify(harness.api.openApi, null, 2) + '\n');
} finally {
  await harness.close();
}
