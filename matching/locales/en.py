"""English text catalog. Same keys and {fields} as zh.py."""

MESSAGES: dict[str, str] = {
    # --- input errors (matching.errors) ---
    "error.field": "'{field}': {message}",
    # --- uscc ---
    "uscc.length": (
        "A unified social credit code has {expected} characters; you typed {length}. "
        "Please copy it from the 'Unified Social Credit Code' line of your business licence"
    ),
    "uscc.charset": (
        "Character {position}, '{char}', is not possible: codes use digits and capital letters "
        "except I, O, S, V and Z. Please check it against your business licence"
    ),
    "uscc.charset_lookalike": (
        "Character {position}, '{char}', is not possible: codes never use the letter {char}. "
        "Did you mean the digit '{suggestion}'?"
    ),
    "uscc.region": (
        "Characters 3 to 8 must be six digits (the region code; Zhejiang starts with 33), "
        "you typed '{region}'. Please check it against your business licence"
    ),
    "uscc.checksum": (
        "The last character (check character) of '{value}' does not match: one character is "
        "probably mistyped. Please compare it with your business licence"
    ),
    # --- amounts ---
    "amount.empty": "Please type how much you want to borrow, e.g. 300万 (3 million yuan)",
    "amount.not_a_number": (
        "Could not read '{value}' as an amount. Type it like 300万, 50万 or 0.5亿"
    ),
    "amount.negative": (
        "The amount cannot be negative (you typed '{value}'). Type how much you need, e.g. 300万"
    ),
    "amount.zero": (
        "The amount cannot be 0 (you typed '{value}'). Type how much you need, e.g. 300万"
    ),
    "amount.too_large": (
        "'{value}' is above the limit of {limit}. Please check and type it again, e.g. 300万"
    ),
    "amount.unit_missing": (
        "Did you mean {value}万 ({value} × 10,000 yuan)? Please type the unit too, e.g. {value}万; "
        "if you really mean {value} yuan, type '{value}元'"
    ),
    # --- workdays ---
    "workdays.estimated": (
        "Some of these dates fall in a year whose holiday schedule is not published yet: "
        "they assume Monday to Friday working days and may move later"
    ),
    # --- matching: words ---
    "entity.enterprise": "enterprise",
    "entity.individual_business": "individual business",
    "entity.business_owner": "small-business owner",
    "entity.farmer": "farmer",
    "tag.high_tech": "high-tech enterprises",
    "tag.tech_sme": "tech SMEs",
    "tag.specialized_sme": "specialized SMEs (专精特新)",
    "tag.agri": "agricultural businesses",
    "tag.foreign_trade": "foreign-trade firms",
    "tag.graduate_founder": "graduate or returnee founders",
    "purpose.working_capital": "working capital",
    "purpose.equipment": "equipment",
    "purpose.plant": "plant or premises",
    "purpose.rnd": "R&D",
    "purpose.renewal": "renewal (incl. no-principal-repayment renewal)",
    "purpose.trade": "trade orders and settlement",
    "collateral.none": "no collateral",
    "collateral.property": "property",
    "collateral.equipment": "equipment",
    "collateral.ip": "patents, trademarks and other IP",
    "collateral.receivables": "receivables",
    "collateral.inventory": "inventory",
    "standard.compliant_operation": "compliant, continuing operation",
    "standard.fixed_premises": "a fixed place of business",
    "standard.real_need": "a real financing need",
    "standard.good_credit": "good credit standing",
    "standard.lawful_purpose": "a lawful loan purpose",
    "tier.below_100k": "below 100k yuan",
    "tier.100k_500k": "100k–500k yuan",
    "tier.500k_5m": "500k–5M yuan",
    "tier.5m_10m": "5M–10M yuan",
    "tier.above_10m": "above 10M yuan",
    "route.assign": "referred to banks",
    "route.existing_banks_only": "served by your current banks only",
    "route.credit_repair": "credit repair first",
    "route.coordination": "followed up by the coordination team",
    # --- matching: reasons ---
    "reason.existing": "{bank} already lends to you and knows your business",
    "reason.renewal_existing": "{bank} is your current lender: renewals go to it first",
    "reason.park_partner": "{bank} is a partner bank of {park}",
    "reason.requested": "{bank} offers the product you asked for",
    "reason.branch_county": "{branch} is in {county}, close to you",
    "reason.branch_city": "{branch} is in {city}; there is no branch in {county}",
    "reason.product": "{product}: {low}–{high}, up to {term} months, {security}",
    "reason.product_rate": "{product}: {low}–{high}, up to {term} months, {security}, rate {rate}",
    "security.none": "no collateral needed",
    "security.guarantee": "no collateral: {guarantee} guarantees the loan",
    "security.collateral": "accepts your {kinds}",
    "security.with_tags": "{security}, for {tags}",
    "guarantee.fits": "{name} ({guarantor}): {note}; fee {fee}%",
    # --- matching: refusals ---
    "misfit.entity_type": "{product} is not for this kind of borrower ({entity})",
    "misfit.amount": "{product} lends {low}–{high}; you need {amount}",
    "misfit.term": "{product} runs at most {term} months; you need {asked_term}",
    "misfit.region": "{product} is only offered in {regions}",
    "misfit.tags": "{product} is only for {tags}",
    "misfit.collateral": "{product} needs collateral or a pledge ({accepted}) and you offered none of it",
    "misfit.guarantee": "{product} needs a policy guarantee and none fits your need",
    "misfit.not_customer": "{product} is only for the bank's existing borrowers",
    "passed.existing_bank": "{bank} already lends to you and can be asked directly; this match only brings new banks",
    "passed.no_slot": "{bank} has a fitting product too, but the banks allowed this time went to higher-ranked ones",
    "reason.branch_in_city": "{branch} is in {city}",
    "note.park_elsewhere": "'{park}' is in {county}, not where you said you are: matched by your location instead",
    "passed.exclusive_group": "{bank} only has products that exclude {chosen}; the two cannot be applied for together",
    "passed.listing_full": "{bank} has a fitting product too, but only the best-ranked banks are listed",
    "region.unknown_county_in_city": "{city} has no county called '{county}': give e.g. 新昌县",
    "misfit.too_young": "{product} needs {months} months in business; you have {operating}",
    "blocked.bank_limit": "To avoid over-lending, one {entity} usually borrows from at most {limit} banks; {serving} lend to you already, so no new bank is matched. Please turn to your current banks; the coordination team will follow up",
    "blocked.exclusive_group": "{chosen} and {dropped} cannot be applied for together; {chosen} was chosen for you",
    "blocked.no_bank_in_region": "There is no partner bank in {city} yet; the coordination team will contact you",
    "blocked.no_fitting_product": "No bank product fits your need as it stands; the coordination team will contact you to work out a plan",
    "blocked.no_new_bank": "Only your current banks have a fitting product: please turn to them first; the coordination team will follow up too",
    "blocked.standard.compliant_operation": "Compliant, continuing operation is required; the coordination team will contact you",
    "blocked.standard.fixed_premises": "A fixed place of business is required; the coordination team will contact you",
    "blocked.standard.real_need": "A real financing need is required; the coordination team will contact you",
    "blocked.standard.good_credit": "Good credit standing is required: start with credit repair (the 'credit repair stations' at bank branches handle it in one visit), then apply again",
    "blocked.standard.lawful_purpose": "The loan purpose must be lawful; the coordination team will contact you",
    "note.limit": "To avoid over-lending, one {entity} usually borrows from at most {limit} banks; {serving} lend to you now, so up to {slots} more can be matched",
    "note.outside_limit": "Total credit of {total} is above {ceiling}: the small-firm limit of 3 or 2 banks does not apply",
    "note.unknown_existing_banks": "Lending banks we could not identify: {names}; each still counts as one bank",
    "note.unknown_park": "Park '{park}' was not found; matching by county instead",
    "note.first_loan": "You are a first-time borrower, a group the policy particularly supports",
    "catalog.invalid": "The catalog is invalid:\n{problems}",
    # --- matching: requests and explain ---
    "request.missing": "This field is required",
    "request.unknown_field": "Unknown field: check the spelling",
    "request.not_one_of": "Must be one of: {expected}",
    "request.too_long": "Too long: at most {max_length} characters",
    "request.too_many": "At most {max_length} items",
    "request.not_boolean": "Must be true or false",
    "request.not_number": "Must be a whole number",
    "request.too_small": "Must be at least {ge}",
    "request.too_large": "Must be at most {le}",
    "request.not_object": "Must be an object ({{…}})",
    "request.not_list": "Must be a list ([…])",
    "request.unknown_bank_code": "The catalog has no bank code '{bank_code}'",
    "request.invalid": "{problem}",
    "uscc.entity_mismatch": "This unified social credit code belongs to {actual}, not to the '{entity}' you chose: check the entity type or the code",
    "uscc.category.enterprise": "an enterprise",
    "uscc.category.individual_business": "an individual business",
    "uscc.category.farmer_coop": "a farmers' cooperative",
    "uscc.category.other": "another kind of organisation",
    "region.unknown_city": "Unknown city '{city}': give a prefecture-level city in Zhejiang, e.g. 绍兴",
    "region.unknown_county": "Unknown county '{county}': give e.g. 新昌县",
    "region.missing": "Give the city or county, e.g. 绍兴 新昌",
    "explain.route": "Route: {route} ({code})",
    "explain.tier": "Credit tier: {tier}",
    "explain.limit": "Bank limit: {limit}; banks serving now: {serving}; new banks possible: {slots}",
    "explain.banks": "Matched banks:",
    "explain.no_banks": "Matched banks: none",
    "explain.guarantees": "Fitting guarantee products:",
    "explain.blocked": "Limits and refusals:",
    "explain.notes": "Notes:",
    "explain.deadlines": "Deadlines (China time): accept by {accept}; contact by {contact}; decide by {decide}; final {final}",
    "explain.passed_over": "Products of nearby banks passed over:",
    # --- storage: refusals (db.errors); read by bank systems, operators and the bot ---
    "error.need_not_found": "Need {need_id} was not found",
    "error.lead_not_found": "Lead {lead_id} was not found",
    "error.already_held": "{bank} already holds this need (status: {status})",
    "error.held_before": "{bank} held this need before (status: {status}); a bank that declined or let an offer expire is not given it again",
    "error.limit_reached": "Limit reached: the firm is already served by {limit} banks, the most the 3/2 rule allows (001 §七)",
    "error.bank_staff_only": "Only a bank's account managers and bank admins may do this",
    "error.coordinators_only": "Only the coordination team may offer a need to a bank",
    "error.bank_admins_only": "Only a bank admin may reassign a lead",
    "error.firm_or_admin_only": "Only the firm itself (or an admin) may withdraw its consent",
    "error.not_eligible": "Need {need_id} is not open to this bank: no product of the bank fits it, or it is closed",
    "error.unknown_bank": "No bank with the code {bank}",
    "error.bad_reason_code": "Unknown reason code {value}; use one of: {allowed}",
    "error.bad_follow_up": "Unknown follow-up {value}; use one of: {allowed}",
    "error.too_long": "Too long: at most {limit} characters",
    "error.not_overdue": "Lead {lead_id} may still be accepted until {accept_by}",
    "error.lead_ended": "Lead {lead_id} has ended (status: {status})",
    "error.not_a_manager_here": "Staff member {manager} is not an active account manager of this bank",
    "error.before_lead": "The time given lies before the lead was made",
    "error.naive_time": "Give the time with its time zone, e.g. 2026-11-23T10:00:00+08:00",
    "error.in_the_future": "The time given lies in the future",
    "error.effective_required": "Say whether the visit was effective (effective: true or false)",
    "error.amount_required": "Give the amount in yuan, above zero",
    "error.bad_rate": "The rate must be a percentage between 0 and 100",
    "error.illegal_transition": "A lead that is {current} cannot become {target}; from {current} it may become: {allowed}",
    "error.name_or_uscc": "Give the firm's name or its unified social credit code",
    "error.contact_name": "Give the contact person's name (at most 100 characters)",
    "error.contact_phone": "Give a mainland mobile number of 11 digits, starting with 1",
    "error.unknown_role": "Unknown role {role}; use one of: {allowed}",
    "error.bank_role_needs_bank": "A {role} belongs to a bank: give --bank",
    "error.no_bank_for_role": "A {role} belongs to no bank: leave out --bank",
    "error.unknown_branch": "Bank {bank} has no branch with the code {branch}",
    "error.unknown_staff": "No staff member {staff}",
    # --- the yinqi command: storage (api.cli_storage) ---
    "cli.db_unreachable": "Cannot reach the database {url}: {error}",
    "cli.db_not_initialised": "The database {url} has no current schema yet: run `yinqi init` first",
    "cli.schema_current": "Database {url}: schema up to date (revision {revision})",
    "cli.schema_upgraded": "Database {url}: schema brought to revision {revision}",
    "cli.catalog_kept": "The catalog in the database is kept as it is; nothing else changed",
    "cli.sample_loaded": "Loaded the bundled SAMPLE catalog (sample data, not any bank's real products).",
    "cli.catalog_unchanged": "Catalog unchanged: every entry was already there as given",
    "cli.catalog_changed": "Catalog updated: {counts}",
    "cli.catalog_counts": "{kind} {added} added, {updated} updated",
    "cli.not_utf8": "{path}: not UTF-8 text",
    "cli.listed": "{count} entries",
    "cli.user_added": "Added staff member {id}: {name} ({role}). Their API token:",
    "cli.token_once": "This token is shown only once and cannot be recovered; give it to the person now. Lost it? `yinqi users revoke` and add a new one.",
    "cli.inactive": "(inactive)",
    "cli.tokens": "{count} live token(s)",
    "cli.revoked": "Revoked {count} token(s) of staff member {id}",
}
