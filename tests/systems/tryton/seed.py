"""Gives a fresh Tryton 8.0 database what Concord's tests need before any customer exists.

A database made by trytond-admin has no company, currency or country. This creates them, plus
a few salable products, through the JSON-RPC API the way any client would. It must never touch
the database file directly. Standard library only, so it runs with any Python 3.

usage: seed.py BASE_URL DB LOGIN PASSWORD
"""

import base64
import json
import sys
import urllib.request

BASE_URL, DB, LOGIN, PASSWORD = sys.argv[1:5]

CURRENCIES = [
    ("USD", "U.S. Dollar", "$"),
    ("AUD", "Australian Dollar", "A$"),
    ("GBP", "Pound Sterling", "£"),
    ("CAD", "Canadian Dollar", "CA$"),
    ("EUR", "Euro", "€"),
]

COUNTRIES = [
    ("US", "USA", "840", "United States"),
    ("AU", "AUS", "036", "Australia"),
    ("GB", "GBR", "826", "United Kingdom"),
    ("CA", "CAN", "124", "Canada"),
    ("DE", "DEU", "276", "Germany"),
    ("NZ", "NZL", "554", "New Zealand"),
]

# Subdivisions Concord's test data uses: Australian states (FEBRL data) and US states.
SUBDIVISIONS = {
    "AU": [
        ("NSW", "New South Wales"), ("VIC", "Victoria"), ("QLD", "Queensland"),
        ("WA", "Western Australia"), ("SA", "South Australia"), ("TAS", "Tasmania"),
        ("ACT", "Australian Capital Territory"), ("NT", "Northern Territory"),
    ],
    "US": [
        ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
        ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
        ("DC", "District of Columbia"), ("FL", "Florida"), ("GA", "Georgia"),
        ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"),
        ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
        ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"),
        ("MN", "Minnesota"), ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"),
        ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"),
        ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
        ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"),
        ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"),
        ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
        ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"),
        ("VA", "Virginia"), ("WA", "Washington"), ("WV", "West Virginia"),
        ("WI", "Wisconsin"), ("WY", "Wyoming"),
    ],
}

PRODUCTS = [
    ("WIDGET-1", "Widget", "19.99"),
    ("GADGET-1", "Gadget", "45.00"),
    ("GIZMO-1", "Gizmo", "7.50"),
]


def decimal(text):
    return {"__class__": "Decimal", "decimal": text}


class Client:
    def __init__(self):
        self.auth = None
        self.context = {}
        self.next_id = 0

    def call(self, method, *params, context=True):
        self.next_id += 1
        args = list(params)
        if context:
            args.append(self.context)
        body = json.dumps({"id": self.next_id, "method": method, "params": args}).encode()
        request = urllib.request.Request(f"{BASE_URL.rstrip('/')}/{DB}/rpc/", data=body)
        request.add_header("Content-Type", "application/json")
        if self.auth:
            request.add_header("Authorization", self.auth)
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.loads(response.read())
        if reply.get("error"):
            raise SystemExit(f"seed.py: {method} failed: {reply['error']}")
        return reply["result"]

    def login(self):
        # 8.0 answers [user_id, token, extra]; only the first two make the session.
        user_id, token = self.call("common.db.login", LOGIN, {"password": PASSWORD}, "en",
                                   context=False)[:2]
        raw = f"{LOGIN}:{user_id}:{token}".encode()
        self.auth = "Session " + base64.b64encode(raw).decode()
        self.user_id = user_id
        self.refresh_context()

    def refresh_context(self):
        self.context = {}
        self.context = self.call("model.res.user.get_preferences", True)

    def unit_of_measure(self, symbol):
        # ir.model.data is not readable over RPC (403), so the unit is found by its symbol.
        found = self.call("model.product.uom.search_read", [["symbol", "=", symbol]], 0, 1,
                          None, ["id"])
        return found[0]["id"]


def main():
    rpc = Client()
    rpc.login()

    currency_ids = rpc.call("model.currency.currency.create", [
        {"code": code, "name": name, "symbol": symbol, "rounding": decimal("0.01"),
         "digits": 2}
        for code, name, symbol in CURRENCIES
    ])
    usd = currency_ids[0]

    country_ids = rpc.call("model.country.country.create", [
        {"code": code, "code3": code3, "code_numeric": numeric, "name": name}
        for code, code3, numeric, name in COUNTRIES
    ])
    by_code = dict(zip((c[0] for c in COUNTRIES), country_ids))
    rpc.call("model.country.subdivision.create", [
        {"country": by_code[country], "code": f"{country}-{code}", "name": name,
         "type": "state"}
        for country, items in SUBDIVISIONS.items() for code, name in items
    ])

    party_ids = rpc.call("model.party.party.create", [{"name": "Concord Test Retail"}])
    company_ids = rpc.call("model.company.company.create",
                           [{"party": party_ids[0], "currency": usd}])
    rpc.call("model.res.user.write", [rpc.user_id],
             {"companies": [["add", company_ids]], "company": company_ids[0]})
    # Company-dependent fields (list prices) need the company in the context from here on.
    rpc.refresh_context()

    unit = rpc.unit_of_measure("u")
    rpc.call("model.product.template.create", [
        {"name": name, "type": "goods", "default_uom": unit, "salable": True,
         "sale_uom": unit, "list_price": decimal(price),
         "products": [["create", [{"suffix_code": code}]]]}
        for code, name, price in PRODUCTS
    ])
    print(f"seed.py: company {company_ids[0]}, {len(country_ids)} countries, "
          f"{len(PRODUCTS)} products", file=sys.stderr)


if __name__ == "__main__":
    main()
