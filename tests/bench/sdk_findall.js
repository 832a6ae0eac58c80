// Baseline: the official SDK's sequential findAll (pages of 100, one request at a time) over the same
// collections oznsync pulls. usage: node sdk_findall.js URL API_KEY
const OZMapSDK = require('@ozmap/ozmap-sdk').default;

async function main() {
  const [url, apiKey] = process.argv.slice(2);
  const sdk = new OZMapSDK(url, { apiKey });
  const t0 = Date.now();
  const projects = await sdk.project.findAll({});
  let rows = projects.length;
  for (const p of projects) {
    const byProject = [{ property: 'project', operator: '=', value: p.id }];
    rows += (await sdk.box.findAll({ filter: byProject })).length;
    rows += (await sdk.splitter.findAll({ filter: [...byProject, { property: 'isDrop', operator: '=', value: true }] })).length;
    rows += (await sdk.property.findAll({ filter: byProject, populate: 'client' })).length;
  }
  const seconds = (Date.now() - t0) / 1000;
  console.log('RESULT ' + JSON.stringify({ rows, seconds }));
  process.exit(0); // the SDK's logger keeps a local log server listening, which would keep node alive
}
main().catch((e) => { console.error(e.message || e); process.exit(1); });
