// Validates oznsync serve's TMF645 exchanges with the ozn-sdk's own zod schemas: every place it was asked
// about by ServiceQualificationAddressSchema, every answer by serviceQualificationOutputSchema.
// Usage: node tmf645.js EXCHANGES.json, a JSON array of {request, answer}. Prints "N answers, M failed"
// and the first failures; exit 0 when none failed.
const fs = require('fs');
const {
  ServiceQualificationAddressSchema,
  serviceQualificationOutputSchema,
} = require('@ozmap/ozn-sdk/dist/src/types/service-qualification');

const exchanges = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let failed = 0;
let entities = 0;
for (const [i, { request, answer }] of exchanges.entries()) {
  for (const item of request.serviceQualificationItem) {
    const place = ServiceQualificationAddressSchema.safeParse(item.service.place);
    if (!place.success) {
      failed += 1;
      if (failed <= 5) console.log(`request ${i}: place: ${place.error.message}`);
    }
  }
  const checked = serviceQualificationOutputSchema.safeParse(answer);
  if (!checked.success) {
    failed += 1;
    if (failed <= 5) console.log(`answer ${i}: ${checked.error.message}`);
    continue;
  }
  for (const item of answer.serviceQualificationItem) entities += item.service.relatedEntity.length;
}
console.log(`${exchanges.length} answers (${entities} related entities), ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
