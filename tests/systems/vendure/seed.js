// Gives a fresh Vendure database what orders need before any customer exists: countries, a
// zone used for tax and shipping on the default channel, a tax category and rate, a product
// with one variant, a shipping method and a payment method. Everything goes through the Admin
// API, the way any client would; it must never touch the database file directly.
//
// usage: node seed.js ADMIN_API_URL SUPERADMIN PASSWORD
'use strict';

const [url, identifier, password] = process.argv.slice(2);
let token = null;

async function gql(query, variables = {}) {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) {
        throw new Error(`seed.js: ${JSON.stringify(body.errors)} for ${query.slice(0, 80)}`);
    }
    token = response.headers.get('vendure-auth-token') || token;
    return body.data;
}

// Mutations answer with a union; an ErrorResult has errorCode and message.
function ok(result, what) {
    if (result && result.errorCode) {
        throw new Error(`seed.js: ${what}: ${result.errorCode} ${result.message}`);
    }
    return result;
}

const COUNTRIES = [
    ['US', 'United States'],
    ['AU', 'Australia'],
    ['GB', 'United Kingdom'],
    ['CA', 'Canada'],
    ['DE', 'Germany'],
    ['NZ', 'New Zealand'],
];

const PRODUCTS = [
    ['WIDGET-1', 'Widget', 1999],
    ['GADGET-1', 'Gadget', 4500],
    ['GIZMO-1', 'Gizmo', 750],
];

async function main() {
    ok((await gql(`mutation($u: String!, $p: String!) {
        login(username: $u, password: $p) { ... on CurrentUser { id } ... on ErrorResult {
            errorCode message } } }`, { u: identifier, p: password })).login, 'login');

    const countryIds = [];
    for (const [code, name] of COUNTRIES) {
        const { createCountry } = await gql(`mutation($input: CreateCountryInput!) {
            createCountry(input: $input) { id } }`, {
            input: { code, enabled: true, translations: [{ languageCode: 'en', name }] },
        });
        countryIds.push(createCountry.id);
    }

    const { createZone } = await gql(`mutation($input: CreateZoneInput!) {
        createZone(input: $input) { id } }`, { input: { name: 'Everywhere', memberIds: countryIds } });

    const { activeChannel } = await gql('{ activeChannel { id } }');
    ok((await gql(`mutation($input: UpdateChannelInput!) { updateChannel(input: $input) {
        ... on Channel { id } ... on ErrorResult { errorCode message } } }`, {
        input: { id: activeChannel.id, defaultTaxZoneId: createZone.id,
            defaultShippingZoneId: createZone.id },
    })).updateChannel, 'updateChannel');

    const { createTaxCategory } = await gql(`mutation($input: CreateTaxCategoryInput!) {
        createTaxCategory(input: $input) { id } }`, { input: { name: 'Standard', isDefault: true } });
    await gql(`mutation($input: CreateTaxRateInput!) { createTaxRate(input: $input) { id } }`, {
        input: { name: 'No tax', enabled: true, value: 0, categoryId: createTaxCategory.id,
            zoneId: createZone.id },
    });

    for (const [sku, name, price] of PRODUCTS) {
        const { createProduct } = await gql(`mutation($input: CreateProductInput!) {
            createProduct(input: $input) { id } }`, {
            input: { translations: [{ languageCode: 'en', name, slug: sku.toLowerCase(),
                description: name }] },
        });
        await gql(`mutation($input: [CreateProductVariantInput!]!) {
            createProductVariants(input: $input) { id } }`, {
            input: [{ productId: createProduct.id, sku, price, taxCategoryId: createTaxCategory.id,
                stockOnHand: 1000000, translations: [{ languageCode: 'en', name }] }],
        });
    }

    await gql(`mutation($input: CreateShippingMethodInput!) {
        createShippingMethod(input: $input) { id } }`, {
        input: {
            code: 'standard',
            fulfillmentHandler: 'manual-fulfillment',
            checker: { code: 'default-shipping-eligibility-checker',
                arguments: [{ name: 'orderMinimum', value: '0' }] },
            calculator: { code: 'default-shipping-calculator', arguments: [
                { name: 'rate', value: '500' }, { name: 'taxRate', value: '0' },
                { name: 'includesTax', value: 'auto' }] },
            translations: [{ languageCode: 'en', name: 'Standard', description: '' }],
        },
    });

    await gql(`mutation($input: CreatePaymentMethodInput!) {
        createPaymentMethod(input: $input) { id } }`, {
        input: {
            code: 'manual',
            enabled: true,
            handler: { code: 'dummy-payment-handler',
                arguments: [{ name: 'automaticSettle', value: 'true' }] },
            translations: [{ languageCode: 'en', name: 'Manual', description: '' }],
        },
    });
    console.error(`seed.js: ${countryIds.length} countries, ${PRODUCTS.length} products`);
}

main().catch((err) => {
    console.error(err.message || err);
    process.exit(1);
});
