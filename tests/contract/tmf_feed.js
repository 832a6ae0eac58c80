// Writes a sale feed of TMF638 Services in the ozn-sdk's exact shape, validated with the ozn-sdk's own
// zod schema before it is written. Usage: node tmf_feed.js OUT.json PROJECT BOX SPLITTER PORT[,PORT...]
// One active Service per port; the port's characteristics sit on the supportingResource for odd ports and
// on a resource inside it for even ones (the schema allows both). Exit 0 when the feed passes the schema.
const fs = require('fs');
const { ServiceInventoryOutputSchema } = require('@ozmap/ozn-sdk/dist/src/types/service-inventory');

const [out, project, box, splitter, portList] = process.argv.slice(2);
const characteristic = (port) =>
  [['project', project], ['box', box], ['splitter', splitter], ['port', String(port)]].map(([name, value]) => ({
    id: null,
    name,
    valueType: 'string',
    value,
  }));

const services = portList.split(',').map((p, i) => {
  const port = Number(p);
  const onSupport = port % 2 === 1;
  return {
    id: `svc-${i + 1}`,
    description: 'FTTH 500 Mbps',
    isServiceEnabled: true,
    name: `TMF-${port}`,
    serviceType: 'FTTH',
    state: i === 0 ? 'reserved' : 'active',
    place: [{ id: `place-${i + 1}`, type: 'GeographicAddress' }],
    relatedParty: [
      { role: 'customer', property: [{ name: 'name', value: `Cliente ${i + 1}` }, { name: 'address', value: `Rua ${i + 1}` }] },
      { role: 'partner', property: [{ name: 'id', value: '65a000000000000000000007' }, { name: 'name', value: 'FibraMais' }] },
    ],
    supportingResource: [
      {
        id: `sr-${i + 1}`,
        entityType: onSupport ? 'OZmapPort' : 'resource',
        name: null,
        role: null,
        characteristic: onSupport ? characteristic(port) : null,
        resource: onSupport
          ? null
          : [{ id: `r-${i + 1}`, name: `port ${port}`, entityType: 'OZmapPort', characteristic: characteristic(port), resourceLocation: null }],
        supportingResource: null,
      },
    ],
  };
});

const checked = ServiceInventoryOutputSchema.safeParse(services);
if (!checked.success) {
  console.log(`the generated feed does not pass the ozn-sdk's schema: ${checked.error.message}`);
  process.exit(1);
}
fs.writeFileSync(out, JSON.stringify(services, null, 1));
console.log(`${services.length} Services written, valid by the ozn-sdk's ServiceInventoryOutputSchema`);
process.exit(0);
