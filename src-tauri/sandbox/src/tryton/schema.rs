//! The models the sandbox ERP serves and their fields: the part of Tryton 8.0's `party`,
//! `country`, `currency`, `company`, `product` and `sale` modules that Concord reads and
//! writes, with the field names, kinds and defaults of the real modules.

/// How a field stores its value and what it points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Char,
    Integer,
    Float,
    Boolean,
    Numeric,
    Date,
    DateTime,
    /// A closed list of values.
    Selection(&'static [&'static str]),
    Many2One(&'static str),
    /// Target model and the target's many2one back to this model.
    One2Many(&'static str, &'static str),
    Many2Many(&'static str),
}

impl Kind {
    pub fn target(self) -> Option<&'static str> {
        match self {
            Kind::Many2One(target) | Kind::One2Many(target, _) | Kind::Many2Many(target) => {
                Some(target)
            }
            _ => None,
        }
    }

    pub fn is_many(self) -> bool {
        matches!(self, Kind::One2Many(..) | Kind::Many2Many(_))
    }
}

/// What a new record holds when the client does not say.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Default {
    Null,
    Bool(bool),
    Text(&'static str),
    Int(i64),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    /// The label Tryton puts in error messages.
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub default: Default,
}

/// Fields every model has, computed from the record's own bookkeeping.
pub(crate) const META_FIELDS: &[&str] = &[
    "id",
    "create_date",
    "write_date",
    "last_modified_at",
    "create_uid",
    "write_uid",
    "rec_name",
    "_timestamp",
];

/// Fields computed from other records; read and searched like stored ones.
pub(crate) const COMPUTED: &[(&str, &str, Kind)] = &[
    ("sale.sale", "untaxed_amount", Kind::Numeric),
    ("sale.sale", "tax_amount", Kind::Numeric),
    ("sale.sale", "total_amount", Kind::Numeric),
    ("sale.line", "amount", Kind::Numeric),
    ("product.product", "code", Kind::Char),
    ("product.product", "name", Kind::Char),
    ("party.party", "email", Kind::Char),
    ("party.party", "phone", Kind::Char),
    ("party.party", "mobile", Kind::Char),
];

#[derive(Debug)]
pub(crate) struct Model {
    pub name: &'static str,
    /// The model's label, as Tryton names it in error messages ("Party Address").
    pub label: &'static str,
    pub fields: Vec<Field>,
    /// The order of a search that names none.
    pub default_order: &'static [(&'static str, &'static str)],
    /// The field shown as the record's name.
    pub rec_name: &'static str,
}

impl Model {
    pub fn field(&self, name: &str) -> Option<(usize, &Field)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }

    pub fn computed(&self, name: &str) -> Option<Kind> {
        COMPUTED
            .iter()
            .find(|(model, field, _)| *model == self.name && *field == name)
            .map(|(_, _, kind)| *kind)
    }

    /// The kind of any readable field, stored, computed or meta.
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        if let Some((_, field)) = self.field(name) {
            return Some(field.kind);
        }
        if let Some(kind) = self.computed(name) {
            return Some(kind);
        }
        match name {
            "id" | "create_uid" | "write_uid" => Some(Kind::Integer),
            "create_date" | "write_date" | "last_modified_at" => Some(Kind::DateTime),
            "rec_name" | "_timestamp" => Some(Kind::Char),
            _ => None,
        }
    }
}

fn f(name: &'static str, label: &'static str, kind: Kind) -> Field {
    let default = match kind {
        Kind::Boolean => Default::Bool(false),
        _ => Default::Null,
    };
    Field {
        name,
        label,
        kind,
        required: false,
        default,
    }
}

fn required(mut field: Field) -> Field {
    field.required = true;
    field
}

fn default(mut field: Field, value: Default) -> Field {
    field.default = value;
    field
}

pub(crate) const CONTACT_TYPES: &[&str] = &[
    "phone", "mobile", "fax", "email", "website", "skype", "sip", "irc", "jabber", "other",
];
pub(crate) const SALE_STATES: &[&str] = &[
    "draft",
    "quotation",
    "confirmed",
    "processing",
    "done",
    "cancelled",
];
const LINE_TYPES: &[&str] = &["line", "subtotal", "title", "comment"];
const PRODUCT_TYPES: &[&str] = &["goods", "assets", "service"];

/// Every model the sandbox serves. Other models answer 403, as unexposed ones do on Tryton.
pub(crate) fn models() -> Vec<Model> {
    use Kind::*;
    vec![
        Model {
            name: "party.party",
            label: "Party",
            fields: vec![
                f("name", "Name", Char),
                f("code", "Code", Char),
                default(f("active", "Active", Boolean), Default::Bool(true)),
                f("lang", "Language", Integer),
                f("addresses", "Addresses", One2Many("party.address", "party")),
                f(
                    "contact_mechanisms",
                    "Contact Mechanisms",
                    One2Many("party.contact_mechanism", "party"),
                ),
                f("categories", "Categories", Many2Many("party.category")),
            ],
            default_order: &[("name", "ASC"), ("id", "ASC")],
            rec_name: "name",
        },
        Model {
            name: "party.address",
            label: "Party Address",
            fields: vec![
                required(f("party", "Party", Many2One("party.party"))),
                f("party_name", "Party Name", Char),
                f("street", "Street", Char),
                f("postal_code", "Postal Code", Char),
                f("city", "City", Char),
                f("country", "Country", Many2One("country.country")),
                f(
                    "subdivision",
                    "Subdivision",
                    Many2One("country.subdivision"),
                ),
                f("invoice", "Invoice", Boolean),
                f("delivery", "Delivery", Boolean),
                f("sequence", "Sequence", Integer),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("party", "ASC"), ("sequence", "ASC"), ("id", "ASC")],
            rec_name: "street",
        },
        Model {
            name: "party.contact_mechanism",
            label: "Party Contact Mechanism",
            fields: vec![
                required(f("party", "Party", Many2One("party.party"))),
                default(
                    required(f("type", "Type", Selection(CONTACT_TYPES))),
                    Default::Text("phone"),
                ),
                f("value", "Value", Char),
                f("name", "Name", Char),
                f("comment", "Comment", Char),
                f("address", "Address", Many2One("party.address")),
                f("invoice", "Invoice", Boolean),
                f("delivery", "Delivery", Boolean),
                f("sequence", "Sequence", Integer),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("party", "ASC"), ("sequence", "ASC"), ("id", "ASC")],
            rec_name: "value",
        },
        Model {
            name: "party.category",
            label: "Category",
            fields: vec![
                required(f("name", "Name", Char)),
                f("parent", "Parent", Many2One("party.category")),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("name", "ASC"), ("id", "ASC")],
            rec_name: "name",
        },
        Model {
            name: "country.country",
            label: "Country",
            fields: vec![
                required(f("name", "Name", Char)),
                f("code", "Code", Char),
                f("code3", "3-letters Code", Char),
                f("code_numeric", "Numeric Code", Char),
                f(
                    "subdivisions",
                    "Subdivisions",
                    One2Many("country.subdivision", "country"),
                ),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("name", "ASC"), ("id", "ASC")],
            rec_name: "name",
        },
        Model {
            name: "country.subdivision",
            label: "Subdivision",
            fields: vec![
                required(f("country", "Country", Many2One("country.country"))),
                required(f("name", "Name", Char)),
                required(f("code", "Code", Char)),
                f("type", "Type", Char),
                f("parent", "Parent", Many2One("country.subdivision")),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("name", "ASC"), ("id", "ASC")],
            rec_name: "name",
        },
        Model {
            name: "currency.currency",
            label: "Currency",
            fields: vec![
                required(f("name", "Name", Char)),
                required(f("code", "Code", Char)),
                f("symbol", "Symbol", Char),
                f("rounding", "Rounding Factor", Numeric),
                default(f("digits", "Digits", Integer), Default::Int(2)),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("name", "ASC"), ("id", "ASC")],
            rec_name: "code",
        },
        Model {
            name: "company.company",
            label: "Company",
            fields: vec![
                required(f("party", "Party", Many2One("party.party"))),
                required(f("currency", "Currency", Many2One("currency.currency"))),
            ],
            default_order: &[("id", "ASC")],
            rec_name: "party",
        },
        Model {
            name: "product.uom",
            label: "Unit of Measure",
            fields: vec![
                required(f("name", "Name", Char)),
                required(f("symbol", "Symbol", Char)),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("name", "ASC"), ("id", "ASC")],
            rec_name: "name",
        },
        Model {
            name: "product.template",
            label: "Product",
            fields: vec![
                required(f("name", "Name", Char)),
                default(
                    f("type", "Type", Selection(PRODUCT_TYPES)),
                    Default::Text("goods"),
                ),
                f("list_price", "List Price", Numeric),
                required(f("default_uom", "Default UoM", Many2One("product.uom"))),
                f("salable", "Salable", Boolean),
                f("sale_uom", "Sale UoM", Many2One("product.uom")),
                f(
                    "products",
                    "Variants",
                    One2Many("product.product", "template"),
                ),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("name", "ASC"), ("id", "ASC")],
            rec_name: "name",
        },
        Model {
            name: "product.product",
            label: "Variant",
            fields: vec![
                required(f(
                    "template",
                    "Product Template",
                    Many2One("product.template"),
                )),
                f("suffix_code", "Suffix Code", Char),
                default(f("active", "Active", Boolean), Default::Bool(true)),
            ],
            default_order: &[("code", "ASC"), ("id", "ASC")],
            rec_name: "code",
        },
        Model {
            name: "sale.sale",
            label: "Sale",
            fields: vec![
                default(
                    required(f("company", "Company", Many2One("company.company"))),
                    Default::Int(1),
                ),
                f("number", "Number", Char),
                f("reference", "Reference", Char),
                f("description", "Description", Char),
                f("comment", "Comment", Char),
                default(
                    required(f("state", "State", Selection(SALE_STATES))),
                    Default::Text("draft"),
                ),
                f("sale_date", "Sale Date", Date),
                required(f("party", "Party", Many2One("party.party"))),
                f("invoice_party", "Invoice Party", Many2One("party.party")),
                f("shipment_party", "Shipment Party", Many2One("party.party")),
                f(
                    "invoice_address",
                    "Invoice Address",
                    Many2One("party.address"),
                ),
                f(
                    "shipment_address",
                    "Shipment Address",
                    Many2One("party.address"),
                ),
                default(
                    required(f("currency", "Currency", Many2One("currency.currency"))),
                    Default::Int(1),
                ),
                f("lines", "Lines", One2Many("sale.line", "sale")),
                f("origin", "Origin", Char),
            ],
            default_order: &[("sale_date", "DESC NULLS FIRST"), ("id", "DESC")],
            rec_name: "number",
        },
        Model {
            name: "sale.line",
            label: "Sale Line",
            fields: vec![
                required(f("sale", "Sale", Many2One("sale.sale"))),
                default(
                    required(f("type", "Type", Selection(LINE_TYPES))),
                    Default::Text("line"),
                ),
                f("sequence", "Sequence", Integer),
                f("product", "Product", Many2One("product.product")),
                f("description", "Description", Char),
                f("quantity", "Quantity", Float),
                f("unit", "Unit", Many2One("product.uom")),
                f("unit_price", "Unit Price", Numeric),
            ],
            default_order: &[("sale", "ASC"), ("sequence", "ASC"), ("id", "ASC")],
            rec_name: "description",
        },
    ]
}
