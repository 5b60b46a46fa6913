// A minimal real Vendure server for Concord's contract and end-to-end tests: the Admin API on
// loopback, one superadmin, an SQLite file database whose schema is created on first start.
// It must never listen beyond 127.0.0.1 nor hold anything but test data.
//
// Settings come from the environment (set by up.sh):
//   VENDURE_PORT, VENDURE_DB (SQLite file), VENDURE_SUPERADMIN, VENDURE_PASSWORD.
'use strict';

// Telemetry would try to reach the Internet; tests stay on loopback.
process.env.VENDURE_DISABLE_TELEMETRY = 'true';

const { bootstrap, dummyPaymentHandler } = require('@vendure/core');

function required(name) {
    const value = process.env[name];
    if (!value) {
        console.error(`server.js: environment variable ${name} is not set`);
        process.exit(2);
    }
    return value;
}

const config = {
    apiOptions: {
        hostname: '127.0.0.1',
        port: Number(required('VENDURE_PORT')),
        adminApiPath: 'admin-api',
        shopApiPath: 'shop-api',
    },
    authOptions: {
        tokenMethod: ['bearer', 'cookie'],
        superadminCredentials: {
            identifier: required('VENDURE_SUPERADMIN'),
            password: required('VENDURE_PASSWORD'),
        },
        cookieOptions: { secret: 'concord-test-only' },
        requireVerification: false,
    },
    dbConnectionOptions: {
        type: 'better-sqlite3',
        database: required('VENDURE_DB'),
        // Creates the schema on the first start; a no-op check on later ones.
        synchronize: true,
        logging: false,
    },
    paymentOptions: { paymentMethodHandlers: [dummyPaymentHandler] },
    plugins: [],
};

bootstrap(config).catch((err) => {
    console.error(err);
    process.exit(1);
});
