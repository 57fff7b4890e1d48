// Checks our JWTs with an independent implementation (the jsonwebtoken npm package).
//   node jwt_interop.js verify <secret> <token>       prints the payload, exit 1 if invalid
//   node jwt_interop.js sign <secret> <sub> <role>    prints an HS256 token valid 10 minutes
const jwt = require('jsonwebtoken');
const [mode, secret, a, b] = process.argv.slice(2);
try {
  if (mode === 'verify') {
    process.stdout.write(JSON.stringify(jwt.verify(a, secret, { algorithms: ['HS256'] })));
  } else if (mode === 'sign') {
    process.stdout.write(jwt.sign({ sub: a, role: b }, secret, { algorithm: 'HS256', expiresIn: 600 }));
  } else {
    throw new Error('unknown mode ' + mode);
  }
} catch (e) {
  process.stderr.write(String(e) + '\n');
  process.exit(1);
}
