"""A Chinese→English glossary of this field's terms, for finding English passages from Chinese questions.

The embedding model is English-only (a Chinese question and its English translation score
about 0.06 cosine), and asking the LLM to translate costs seconds and garbles names. Legal
questions in this field are built from a small, stable vocabulary — courts, rights, kinds of
work, the parties' platforms — so a deterministic glossary carries most of the meaning and can
never invent an amount or a name.
"""

from __future__ import annotations

ZH_EN: dict[str, str] = {
    # courts, bodies, places
    "北京互联网法院": "Beijing Internet Court", "广州互联网法院": "Guangzhou Internet Court",
    "杭州互联网法院": "Hangzhou Internet Court", "杭州中院": "Hangzhou Intermediate Court",
    "中级人民法院": "Intermediate Court", "知识产权法院": "IP Court", "人民法院": "People's Court",
    "互联网法院": "Internet Court", "法院": "court", "常熟": "Changshu", "张家港": "Zhangjiagang",
    "黄浦": "Huangpu", "南山": "Nanshan", "深圳": "Shenzhen", "上海": "Shanghai", "北京": "Beijing",
    "广州": "Guangzhou", "杭州": "Hangzhou", "江苏": "Jiangsu", "东方明珠": "Oriental Pearl",
    "美国版权局": "US Copyright Office USCO", "版权局": "Copyright Office", "美国": "United States US",
    "英国": "UK United Kingdom CDPA", "欧盟": "EU European Union", "日本": "Japan", "中国": "China Chinese",
    "国家网信办": "CAC", "网信办": "CAC", "文化厅": "Agency for Cultural Affairs",
    "最高法院": "Supreme Court", "联邦巡回": "Circuit", "上诉法院": "Court of Appeals",
    # parties, products, people
    "腾讯": "Tencent", "盈讯": "Yingxun", "菲林": "Feilin", "百度": "Baidu", "百家号": "Baijiahao",
    "小红书": "Xiaohongshu", "哔哩哔哩": "Bilibili", "奥特曼": "Ultraman", "圆谷": "Tsuburaya",
    "梦幻写手": "Dreamwriter", "稳定扩散": "Stable Diffusion", "李某某": "Li plaintiff", "刘某某": "Liu defendant",
    "泰勒": "Thaler", "珀尔马特": "Perlmutter", "创造力机器": "Creativity Machine", "朱阁": "Zhu Ge",
    "王迁": "Wang Qian", "崔国斌": "Cui Guobin", "游云庭": "You Yunting", "李博阳": "Li Boyang",
    "蝴蝶椅": "butterfly chair", "椅子": "chair", "伴心": "half heart", "半颗心": "half heart",
    "气球": "balloon", "猫": "cat", "水晶": "crystal", "吊坠": "pendant", "卡什塔诺娃": "Kashtanova",
    "黎明的扎里亚": "Zarya of the Dawn", "太空歌剧院": "Theatre D'opera Spatial", "艾伦": "Allen",
    # training data and the new jurisdictions
    "合理使用": "fair use", "文本与数据挖掘": "text and data mining TDM", "数据挖掘": "data mining TDM",
    "训练数据": "training data", "训练": "training train", "盗版": "pirated piracy", "记忆": "memorisation memorization",
    "侵权复制件": "infringing copy", "复制件": "copy", "集体管理组织": "collective management organisation",
    "和解": "settlement settled", "集体诉讼": "class action", "歌词": "lyrics", "新闻出版者": "press publishers",
    "出版者": "publishers", "德国": "Germany German", "汉堡": "Hamburg", "慕尼黑": "Munich", "捷克": "Czech",
    "布拉格": "Prague", "德里高等法院": "Delhi High Court", "高等法院": "High Court",
    "欧盟法院": "CJEU Court of Justice", "欧洲法院": "CJEU Court of Justice", "行为准则": "Code of Practice",
    "盖蒂": "Getty", "纽约时报": "New York Times", "微软": "Microsoft",
    # statutes and instruments
    "著作权法实施条例": "Regulations for the Implementation of the Copyright Law",
    "实施条例": "Implementing Regulations", "著作权法": "Copyright Law", "版权法": "Copyright Act",
    "生成式人工智能服务管理暂行办法": "Interim Measures for the Management of Generative AI Services",
    "暂行办法": "Interim Measures", "标识办法": "Labeling Measures", "人工智能法": "AI Act",
    "人工智能法案": "AI Act", "国家标准": "national standard", "注册指南": "registration guidance",
    "第三条": "Article 3", "第十条": "Article 10", "第十一条": "Article 11", "第五十四条": "Article 54",
    "第五十条": "Article 50", "第五十三条": "Article 53", "第三十条之四": "Article 30-4",
    # copyright concepts
    "著作权": "copyright", "版权": "copyright", "作品": "work", "作者": "author", "创作": "creation create",
    "独创性": "originality original", "原创": "original", "智力成果": "intellectual achievement",
    "智力投入": "intellectual input", "机械性": "mechanical", "美术作品": "fine art work",
    "文字作品": "written work", "署名权": "right of authorship", "信息网络传播权": "right of communication via information network",
    "复制权": "reproduction right", "改编权": "adaptation right", "法人作品": "legal person work",
    "自然人": "natural person", "法人": "legal person", "人类": "human", "人": "human person",
    "作者身份": "authorship", "权利归属": "ownership", "归属": "belongs ownership", "享有": "owns holds",
    "思想": "idea", "表达": "expression", "计算机生成": "computer-generated", "计算机": "computer",
    "合理使用": "fair use exception", "数据分析": "data analysis", "机器学习": "machine learning",
    "文本与数据挖掘": "text and data mining", "选择退出": "opt-out", "训练数据": "training data",
    "训练": "training", "数据": "data", "享受": "enjoy", "思想或感情": "thoughts or sentiments",
    # AI and technology
    "人工智能生成": "AI-generated", "人工智能": "AI artificial intelligence", "生成式": "generative",
    "生成": "generated generate", "模型": "model", "提示词": "prompts", "提示": "prompt",
    "正向提示词": "positive prompts", "反向提示词": "negative prompts", "参数": "parameters",
    "随机种子": "random seed", "种子": "seed", "迭代": "iteration", "图片": "image picture",
    "图像": "image", "绘画": "painting", "插画": "illustration", "文生图": "text-to-image",
    "工具": "tool", "软件": "software", "算法": "algorithm", "平台": "platform", "服务提供者": "service provider",
    "服务": "service", "用户": "user", "标识": "label labeling", "标注": "label", "显式标识": "explicit label",
    "隐式标识": "implicit label metadata", "元数据": "metadata", "合成": "synthetic", "深度伪造": "deepfake",
    "透明度": "transparency", "通用人工智能": "general-purpose AI GPAI", "水印": "watermark",
    "盲盒": "blind box", "随机性": "randomness", "复现": "reproduce", "可预测": "predictable",
    # procedure and remedies
    "判决": "judgment ruling", "裁判": "judgment", "案号": "case number", "案件": "case", "案": "case",
    "原告": "plaintiff", "被告": "defendant", "法官": "judge", "审判长": "presiding judge",
    "上诉": "appeal", "二审": "appeal", "一审": "first instance", "维持原判": "upheld",
    "撤回": "withdrawn", "侵权": "infringement infringed", "侵犯": "infringed", "帮助侵权": "contributory infringement",
    "注意义务": "duty of care", "避风港": "safe harbour", "不正当竞争": "unfair competition",
    "赔偿": "damages compensation", "判赔": "damages awarded", "损失": "loss", "经济损失": "economic loss",
    "诉讼费": "court fee", "合理开支": "reasonable costs", "道歉": "apology apologise", "赔礼道歉": "apology",
    "消除影响": "eliminate impact", "停止侵权": "stop infringing", "元": "RMB yuan", "人民币": "RMB",
    "庭审": "hearing", "直播": "livestreamed", "观看": "viewers", "证据": "evidence", "举证": "evidence burden",
    "记录": "records", "过程": "process", "登记": "registration", "注册": "registration",
    "声明": "disclaim disclose", "披露": "disclose disclosure", "撤销": "cancelled", "驳回": "dismissed rejected",
    "诉讼请求": "claims", "典型案例": "typical cases", "十大": "top 10",
    # question words and time
    "谁": "who", "为什么": "why", "为何": "why", "多少": "how much", "何时": "when", "什么时候": "when",
    "哪一天": "date", "日期": "date", "哪些": "which", "是否": "whether", "如何": "how", "怎样": "how",
    "认定": "held found", "构成": "constitutes", "保护": "protection protected", "不构成": "not constitute",
    "生效": "effective in force", "施行": "in force", "发布": "issued published", "规定": "provides",
    "要求": "requires", "区别": "difference compare", "比较": "compare", "不同": "different",
    "专利": "patent", "商标": "trademark", "发明": "invention", "税": "tax", "劳动": "employment",
    "隐私": "privacy", "个人信息": "personal data", "韩国": "Korea", "印度": "India",
}
