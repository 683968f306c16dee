"""Chinese (default) text catalog. Keys are grouped by the module that uses them."""

MESSAGES: dict[str, str] = {
    # --- input errors (matching.errors) ---
    "error.field": "“{field}”：{message}",
    # --- uscc ---
    "uscc.length": (
        "统一社会信用代码应是{expected}位，您输入的是{length}位。"
        "请照营业执照上“统一社会信用代码”那一栏重新输入"
    ),
    "uscc.charset": (
        "第{position}位的“{char}”不对：信用代码只有数字和大写字母（没有 I、O、S、V、Z）。"
        "请对照营业执照核对这一位"
    ),
    "uscc.charset_lookalike": (
        "第{position}位的“{char}”不对：信用代码里没有字母 {char}，应该是数字“{suggestion}”吧？"
        "请改正后重新输入"
    ),
    "uscc.region": (
        "第3到8位应是6位数字（地区代码，浙江的以33开头），您输入的是“{region}”。请对照营业执照核对"
    ),
    "uscc.checksum": (
        "“{value}”的最后一位（校验码）对不上，可能有一位输错了。请对照营业执照逐位核对"
    ),
    # --- amounts ---
    "amount.empty": "请输入想借多少钱，例如：300万",
    "amount.not_a_number": "没看懂“{value}”。请直接输入金额，例如：300万、50万、0.5亿",
    "amount.negative": "金额不能是负数（您输入的是“{value}”）。请输入想借多少，例如：300万",
    "amount.zero": "金额不能是0（您输入的是“{value}”）。请输入想借多少，例如：300万",
    "amount.too_large": ("“{value}”超过了上限{limit}。请核对后重新输入，例如：300万"),
    "amount.unit_missing": (
        "是不是 {value}万？请带上单位再输入一次，例如：{value}万。"
        "如果确实是{value}元，请输入“{value}元”"
    ),
    # --- workdays ---
    "workdays.estimated": (
        "部分日期所在年份的放假安排还没公布，暂按周一到周五上班估算，实际期限可能顺延"
    ),
    # --- matching: words ---
    "entity.enterprise": "企业",
    "entity.individual_business": "个体工商户",
    "entity.business_owner": "小微企业主",
    "entity.farmer": "农户",
    "tag.high_tech": "高新技术企业",
    "tag.tech_sme": "科技型中小企业",
    "tag.specialized_sme": "专精特新企业",
    "tag.agri": "涉农经营主体",
    "tag.foreign_trade": "外贸企业",
    "tag.graduate_founder": "大学生/返乡创业者",
    "purpose.working_capital": "流动资金",
    "purpose.equipment": "购置设备",
    "purpose.plant": "购建厂房",
    "purpose.rnd": "研发投入",
    "purpose.renewal": "续贷（含无还本续贷）",
    "purpose.trade": "外贸订单/结算",
    "collateral.none": "无抵押",
    "collateral.property": "房产/厂房",
    "collateral.equipment": "机器设备",
    "collateral.ip": "专利、商标等知识产权",
    "collateral.receivables": "应收账款",
    "collateral.inventory": "存货",
    "standard.compliant_operation": "合规持续经营",
    "standard.fixed_premises": "有固定经营场所",
    "standard.real_need": "有真实融资需求",
    "standard.good_credit": "信用状况良好",
    "standard.lawful_purpose": "贷款用途合法合规",
    "tier.below_100k": "10万元以下",
    "tier.100k_500k": "10万–50万元",
    "tier.500k_5m": "50万–500万元",
    "tier.5m_10m": "500万–1000万元",
    "tier.above_10m": "1000万元以上",
    "route.assign": "推荐给银行",
    "route.existing_banks_only": "仅由现有贷款银行服务",
    "route.credit_repair": "先办理信用修复",
    "route.coordination": "转融资协调专班跟进",
    # --- matching: reasons ---
    "reason.existing": "{bank}已在为您贷款，熟悉您的情况",
    "reason.renewal_existing": "{bank}是您现在的贷款银行，续贷优先由原银行办理",
    "reason.park_partner": "{bank}是{park}的伙伴银行",
    "reason.requested": "{bank}有您指定的产品",
    "reason.branch_county": "{branch}就在{county}，离您近",
    "reason.branch_city": "{branch}在{city}，{county}暂无网点",
    "reason.product": "{product}：额度{low}–{high}，最长{term}个月，{security}",
    "reason.product_rate": "{product}：额度{low}–{high}，最长{term}个月，{security}，利率{rate}",
    "security.none": "无需抵押",
    "security.guarantee": "由{guarantee}提供担保，无需抵押",
    "security.collateral": "接受您提供的{kinds}",
    "security.with_tags": "{security}，面向{tags}",
    "guarantee.fits": "{name}（{guarantor}）：{note}，担保费率{fee}%",
    # --- matching: refusals ---
    "misfit.entity_type": "{product}不面向{entity}",
    "misfit.amount": "{product}额度为{low}–{high}，您需要{amount}",
    "misfit.term": "{product}期限最长{term}个月，您需要{asked_term}个月",
    "misfit.region": "{product}只在{regions}办理",
    "misfit.tags": "{product}只面向{tags}",
    "misfit.collateral": "{product}需要抵押或质押物（可用：{accepted}），您未提供",
    "misfit.guarantee": "{product}需要政策性担保，但没有适合您的担保产品",
    "misfit.not_customer": "{product}只为本行现有贷款客户办理",
    "passed.existing_bank": "{bank}已在为您贷款，可直接联系；本次只推荐新的银行",
    "passed.no_slot": "{bank}也有合适产品，但为避免多头授信，本次推荐的名额已给排名更靠前的银行",
    "reason.branch_in_city": "{branch}在{city}",
    "note.park_elsewhere": "“{park}”在{county}，与您填写的所在地不一致，已按所在地匹配",
    "passed.exclusive_group": "{bank}只有与{chosen}互斥的产品，两者不能同时申请",
    "passed.listing_full": "{bank}也有合适产品，但本次只列出排名靠前的几家",
    "region.unknown_county_in_city": "{city}没有“{county}”这个区县，请填写例如 新昌县",
    "blocked.bank_limit": "为避免多头授信，{entity}一般最多由{limit}家银行贷款；您已有{serving}家，这次不再推荐新银行。请先联系现有贷款银行，融资协调专班也会跟进",
    "blocked.exclusive_group": "{chosen}与{dropped}不能同时申请，已为您选择{chosen}",
    "blocked.no_bank_in_region": "{city}暂时没有合作银行，融资协调专班会联系您",
    "blocked.no_fitting_product": "暂时没有完全符合您需求的银行产品，融资协调专班会联系您，帮您调整方案",
    "blocked.no_new_bank": "只有您现有的贷款银行有合适产品，建议先联系现有银行；融资协调专班也会跟进",
    "blocked.standard.compliant_operation": "需要合规持续经营；融资协调专班会联系您了解情况",
    "blocked.standard.fixed_premises": "需要有固定经营场所；融资协调专班会联系您了解情况",
    "blocked.standard.real_need": "需要有真实的融资需求；融资协调专班会联系您了解情况",
    "blocked.standard.good_credit": "信用状况需要良好；可以先办理信用修复（银行网点“信用修复驿站”可一站式办理），修复后再申请",
    "blocked.standard.lawful_purpose": "贷款用途需要合法合规；融资协调专班会联系您了解情况",
    "note.limit": "为避免多头授信，{entity}一般最多由{limit}家银行贷款；您目前有{serving}家，这次最多再推荐{slots}家",
    "note.outside_limit": "授信总额{total}超过{ceiling}，不受小微企业“最多3家/2家银行”的限制",
    "note.unknown_existing_banks": "未能识别的贷款银行：{names}，仍各按一家银行计算",
    "note.unknown_park": "没有找到园区“{park}”，按所在区县匹配",
    "note.first_loan": "您是首贷户（从未在银行贷款），属于政策重点支持的对象",
    "catalog.invalid": "产品目录有误：\n{problems}",
    # --- matching: requests and explain ---
    "request.missing": "缺少这一项",
    "request.unknown_field": "不认识这一项，请检查拼写",
    "request.not_one_of": "只能是：{expected}",
    "request.too_long": "太长了，最多{max_length}个字",
    "request.too_many": "最多{max_length}项",
    "request.not_boolean": "应为 true 或 false",
    "request.not_number": "应为整数",
    "request.too_small": "不能小于{ge}",
    "request.too_large": "不能大于{le}",
    "request.not_object": "应为一个对象（{{…}}）",
    "request.not_list": "应为一个列表（[…]）",
    "request.unknown_bank_code": "目录里没有银行代码“{bank_code}”",
    "request.invalid": "{problem}",
    "uscc.entity_mismatch": "这个统一社会信用代码属于{actual}，与您选择的“{entity}”不一致，请核对主体类型或代码",
    "uscc.category.enterprise": "企业",
    "uscc.category.individual_business": "个体工商户",
    "uscc.category.farmer_coop": "农民专业合作社",
    "uscc.category.other": "其他机构",
    "region.unknown_city": "没有找到城市“{city}”，请填写浙江省内的地级市，例如 绍兴",
    "region.unknown_county": "没有找到区县“{county}”，请填写例如 新昌县",
    "region.missing": "请填写所在城市或区县，例如 绍兴 新昌",
    "explain.route": "结果：{route}（{code}）",
    "explain.tier": "授信规模：{tier}",
    "explain.limit": "银行家数上限：{limit}；已在服务：{serving}家；还可对接：{slots}家",
    "explain.banks": "推荐银行：",
    "explain.no_banks": "推荐银行：无",
    "explain.guarantees": "适用的担保产品：",
    "explain.blocked": "限制与原因：",
    "explain.notes": "说明：",
    "explain.deadlines": "时限（北京时间）：受理 {accept} 前；联系 {contact} 前；决定 {decide} 前；最迟 {final}",
    "explain.passed_over": "附近银行未采用的产品：",
}
