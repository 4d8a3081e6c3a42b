//! The seeded catalog: every product and category of the reference document's examples
//! (`ecs`, `oss`, `account`, `agent`; the `Id`-only entries 76, 1193, 1194, 88, 86, 22, 101,
//! 1205, 1215, 1209 with the same names and descriptions; categories 793 and 794 under `ecs`,
//! and 157 from the CreateTicket example) plus a realistic set around them. Every name and
//! description is given in `[zh, en, jp]` order.
//!
//! Ids are seeded once, in 2020-03-26's namespace (product `Id`, category `Id`, all below
//! [`ID_2020_LIMIT`]). 2021-06-10's catalogue is a different namespace (the reference
//! document: its ids cannot be translated from 2020's), so each product and category also has a
//! 2021 id, derived here and nowhere else: `ProductId` = [`PRODUCT_ID_2021_BASE`] + the 2020
//! product `Id` (ecs 11 → 7 100 011), `CategoryId` = [`CATEGORY_ID_2021_BASE`] + the 2020
//! category `Id` (793 → 7 200 793). Both bases exceed every 2020 id and lie [`ID_2020_LIMIT`]
//! apart, so no 2021 id equals a 2020 id and no 2021 product id equals a 2021 category id: a
//! client that sends one version's id to the other is refused, never silently matched.

/// Where a product is listed in `ListProducts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// `HotTech`.
    HotTech,
    /// `TechMore`, in the group at this index of [`TECH_GROUPS`].
    TechMore(usize),
    /// `HotConsultation`.
    HotConsultation,
    /// `ConsultationMore`.
    ConsultationMore,
}

/// One seeded category.
#[derive(Debug)]
pub(crate) struct CategorySeed {
    /// The 2020-03-26 category `Id`.
    pub id: i64,
    pub name: [&'static str; 3],
}

/// One seeded product.
#[derive(Debug)]
pub(crate) struct ProductSeed {
    pub code: &'static str,
    /// The 2020-03-26 numeric `Id`, as the document's XML/JSON examples list products.
    pub id: u32,
    pub placement: Placement,
    pub name: [&'static str; 3],
    pub description: [&'static str; 3],
    pub categories: &'static [CategorySeed],
}

/// `TechMore` group names.
pub(crate) const TECH_GROUPS: &[[&str; 3]] = &[
    [
        "弹性计算",
        "Elastic Computing",
        "エラスティックコンピューティング",
    ],
    ["存储与CDN", "Storage & CDN", "ストレージと CDN"],
    ["数据库", "Databases", "データベース"],
    ["网络", "Networking", "ネットワーク"],
    ["安全", "Security", "セキュリティ"],
    ["更多", "More", "その他"],
];

/// Every seeded 2020 id (product or category) is below this (a test checks it).
pub(crate) const ID_2020_LIMIT: i64 = 100_000;
/// A product's 2021 `ProductId` is this plus its 2020 `Id`.
pub(crate) const PRODUCT_ID_2021_BASE: i64 = 7_100_000;
/// A category's 2021 `CategoryId` is this plus its 2020 `Id`.
pub(crate) const CATEGORY_ID_2021_BASE: i64 = 7_200_000;
// The bases keep the three ranges apart (2020 ids, 2021 products, 2021 categories).
const _: () = assert!(
    PRODUCT_ID_2021_BASE >= ID_2020_LIMIT
        && CATEGORY_ID_2021_BASE - PRODUCT_ID_2021_BASE >= ID_2020_LIMIT
);

impl ProductSeed {
    /// The product's 2021-06-10 `ProductId` (module documentation).
    pub const fn id_2021(&self) -> i64 {
        PRODUCT_ID_2021_BASE + self.id as i64
    }
}

impl CategorySeed {
    /// The category's 2021-06-10 `CategoryId` (module documentation).
    pub const fn id_2021(&self) -> i64 {
        CATEGORY_ID_2021_BASE + self.id
    }
}

const fn cat(id: i64, name: [&'static str; 3]) -> CategorySeed {
    CategorySeed { id, name }
}

/// Every product, in listing order.
pub(crate) const PRODUCTS: &[ProductSeed] = &[
    ProductSeed {
        code: "ecs",
        id: 11,
        placement: Placement::HotTech,
        name: [
            "云服务器 ECS",
            "Elastic Compute Service (ECS)",
            "Elastic Compute Service (ECS)",
        ],
        description: [
            "服务器无法远程、网站无法访问、安全等服务器咨询或技术问题",
            "Remote connection failures, unreachable websites, security and other server questions",
            "リモート接続不可、Web サイトにアクセスできない、セキュリティなどサーバーに関するご質問",
        ],
        categories: &[
            cat(
                793,
                [
                    "ECS无法远程",
                    "Cannot connect to ECS remotely",
                    "ECS にリモート接続できない",
                ],
            ),
            cat(
                794,
                [
                    "服务器打不开",
                    "Server does not start",
                    "サーバーが起動しない",
                ],
            ),
            cat(
                157,
                [
                    "ECS 购买与配置咨询",
                    "Purchase and configuration questions",
                    "購入と構成に関するご質問",
                ],
            ),
            cat(
                795,
                [
                    "磁盘与快照",
                    "Disks and snapshots",
                    "ディスクとスナップショット",
                ],
            ),
        ],
    },
    ProductSeed {
        code: "rds",
        id: 12,
        placement: Placement::HotTech,
        name: ["云数据库 RDS", "ApsaraDB RDS", "ApsaraDB RDS"],
        description: [
            "数据库连接、性能、备份恢复等问题",
            "Connections, performance, backup and restore",
            "接続、パフォーマンス、バックアップと復元に関するご質問",
        ],
        categories: &[
            cat(
                801,
                [
                    "数据库无法连接",
                    "Cannot connect to the database",
                    "データベースに接続できない",
                ],
            ),
            cat(
                802,
                ["性能问题", "Performance issues", "パフォーマンスの問題"],
            ),
            cat(
                803,
                ["备份与恢复", "Backup and restore", "バックアップと復元"],
            ),
        ],
    },
    ProductSeed {
        code: "domain",
        id: 13,
        placement: Placement::HotTech,
        name: ["域名", "Domain Names", "ドメイン名"],
        description: [
            "域名注册、转入转出、解析等问题",
            "Registration, transfers and DNS resolution",
            "登録、移管、DNS 解決に関するご質問",
        ],
        categories: &[
            cat(811, ["域名注册", "Domain registration", "ドメイン登録"]),
            cat(812, ["域名解析", "DNS resolution", "DNS 解決"]),
            cat(813, ["域名转移", "Domain transfer", "ドメイン移管"]),
        ],
    },
    ProductSeed {
        code: "cdn",
        id: 14,
        placement: Placement::HotTech,
        name: ["CDN", "Alibaba Cloud CDN", "Alibaba Cloud CDN"],
        description: [
            "加速域名配置、缓存刷新、访问异常等问题",
            "Accelerated domains, cache refresh and access errors",
            "高速化ドメイン、キャッシュ更新、アクセスエラーに関するご質問",
        ],
        categories: &[
            cat(821, ["缓存刷新", "Cache refresh", "キャッシュの更新"]),
            cat(822, ["访问异常", "Access errors", "アクセスエラー"]),
        ],
    },
    ProductSeed {
        code: "slb",
        id: 86,
        placement: Placement::TechMore(0),
        name: [
            "负载均衡",
            "Server Load Balancer (SLB)",
            "Server Load Balancer (SLB)",
        ],
        description: [
            "无法配置SLB、负载不均衡、健康检查异常等问题",
            "Configuration failures, unbalanced load and health check errors",
            "設定できない、負荷の偏り、ヘルスチェックの異常などのご質問",
        ],
        categories: &[
            cat(
                831,
                [
                    "健康检查异常",
                    "Health check failures",
                    "ヘルスチェックの異常",
                ],
            ),
            cat(
                832,
                ["监听配置", "Listener configuration", "リスナーの設定"],
            ),
        ],
    },
    ProductSeed {
        code: "ddh",
        id: 101,
        placement: Placement::TechMore(0),
        name: ["独享主机", "Dedicated Host", "専有ホスト"],
        description: [
            "独享主机重启、远程无法连接、密码初始化、系统初始化等相关问题",
            "Restarts, remote connection failures, password and system resets",
            "再起動、リモート接続不可、パスワードやシステムの初期化に関するご質問",
        ],
        categories: &[
            cat(
                841,
                [
                    "远程无法连接",
                    "Remote connection fails",
                    "リモート接続できない",
                ],
            ),
            cat(842, ["密码初始化", "Password reset", "パスワードの初期化"]),
        ],
    },
    ProductSeed {
        code: "swas",
        id: 1205,
        placement: Placement::TechMore(0),
        name: [
            "轻云服务器",
            "Simple Application Server",
            "シンプルアプリケーションサーバー",
        ],
        description: [
            "控制面板、FTP使用、数据库、网站访问等轻云服务器问题",
            "Control panel, FTP, databases and website access",
            "コントロールパネル、FTP、データベース、Web サイトへのアクセスに関するご質問",
        ],
        categories: &[
            cat(851, ["控制面板", "Control panel", "コントロールパネル"]),
            cat(
                852,
                ["网站访问", "Website access", "Web サイトへのアクセス"],
            ),
        ],
    },
    ProductSeed {
        code: "hosting",
        id: 1215,
        placement: Placement::TechMore(0),
        name: [
            "(原万网)主机",
            "Web Hosting (formerly HiChina)",
            "Web ホスティング（旧 HiChina）",
        ],
        description: [
            "(原万网)虚拟主机、独享主机、轻云服务器、云享服务器相关问题",
            "Virtual hosts, dedicated hosts and other former HiChina hosting",
            "仮想ホスト、専有ホストなど旧 HiChina のホスティングに関するご質問",
        ],
        categories: &[
            cat(861, ["虚拟主机", "Virtual host", "仮想ホスト"]),
            cat(862, ["主机续费", "Hosting renewal", "ホスティングの更新"]),
        ],
    },
    ProductSeed {
        code: "oss",
        id: 22,
        placement: Placement::TechMore(1),
        name: [
            "对象存储 OSS",
            "Object Storage Service (OSS)",
            "Object Storage Service (OSS)",
        ],
        description: [
            "bucket创建/使用、API密钥等OSS咨询或技术问题",
            "Bucket creation and use, API keys and other OSS questions",
            "バケットの作成と利用、API キーなど OSS に関するご質問",
        ],
        categories: &[
            cat(871, ["Bucket 管理", "Bucket management", "バケット管理"]),
            cat(872, ["访问权限", "Access permissions", "アクセス権限"]),
            cat(
                873,
                [
                    "上传下载",
                    "Uploads and downloads",
                    "アップロードとダウンロード",
                ],
            ),
        ],
    },
    ProductSeed {
        code: "nas",
        id: 23,
        placement: Placement::TechMore(1),
        name: ["文件存储 NAS", "File Storage NAS", "File Storage NAS"],
        description: [
            "挂载失败、性能、权限组等问题",
            "Mount failures, performance and permission groups",
            "マウント失敗、パフォーマンス、権限グループに関するご質問",
        ],
        categories: &[
            cat(881, ["挂载失败", "Mount failures", "マウント失敗"]),
            cat(882, ["权限组", "Permission groups", "権限グループ"]),
        ],
    },
    ProductSeed {
        code: "redis",
        id: 31,
        placement: Placement::TechMore(2),
        name: ["云数据库 Redis", "ApsaraDB for Redis", "ApsaraDB for Redis"],
        description: [
            "连接、内存、性能等问题",
            "Connections, memory and performance",
            "接続、メモリ、パフォーマンスに関するご質問",
        ],
        categories: &[
            cat(891, ["连接问题", "Connection issues", "接続の問題"]),
            cat(892, ["内存使用", "Memory usage", "メモリ使用量"]),
        ],
    },
    ProductSeed {
        code: "polardb",
        id: 32,
        placement: Placement::TechMore(2),
        name: ["云原生数据库 PolarDB", "PolarDB", "PolarDB"],
        description: [
            "集群、读写分离、迁移等问题",
            "Clusters, read/write splitting and migration",
            "クラスター、読み書き分離、移行に関するご質問",
        ],
        categories: &[
            cat(901, ["集群管理", "Cluster management", "クラスター管理"]),
            cat(902, ["数据迁移", "Data migration", "データ移行"]),
        ],
    },
    ProductSeed {
        code: "vpc",
        id: 41,
        placement: Placement::TechMore(3),
        name: [
            "专有网络 VPC",
            "Virtual Private Cloud (VPC)",
            "Virtual Private Cloud (VPC)",
        ],
        description: [
            "交换机、路由表、网络互通等问题",
            "vSwitches, route tables and connectivity",
            "vSwitch、ルートテーブル、ネットワーク接続に関するご質問",
        ],
        categories: &[
            cat(911, ["路由配置", "Route configuration", "ルーティング設定"]),
            cat(
                912,
                ["网络互通", "Network connectivity", "ネットワーク接続"],
            ),
        ],
    },
    ProductSeed {
        code: "eip",
        id: 42,
        placement: Placement::TechMore(3),
        name: ["弹性公网 IP", "Elastic IP Address", "Elastic IP アドレス"],
        description: [
            "绑定、带宽、计费等问题",
            "Association, bandwidth and billing",
            "関連付け、帯域幅、課金に関するご質問",
        ],
        categories: &[
            cat(
                921,
                ["绑定与解绑", "Associate and disassociate", "関連付けと解除"],
            ),
            cat(922, ["带宽调整", "Bandwidth changes", "帯域幅の変更"]),
        ],
    },
    ProductSeed {
        code: "waf",
        id: 51,
        placement: Placement::TechMore(4),
        name: [
            "Web 应用防火墙",
            "Web Application Firewall",
            "Web アプリケーションファイアウォール",
        ],
        description: [
            "防护配置、误拦截、接入等问题",
            "Protection rules, false positives and onboarding",
            "防御設定、誤検知、導入に関するご質問",
        ],
        categories: &[
            cat(931, ["误拦截", "False positives", "誤検知"]),
            cat(932, ["接入配置", "Onboarding", "導入設定"]),
        ],
    },
    ProductSeed {
        code: "sas",
        id: 52,
        placement: Placement::TechMore(4),
        name: ["云安全中心", "Security Center", "Security Center"],
        description: [
            "安全告警、漏洞修复、基线检查等问题",
            "Alerts, vulnerability fixes and baseline checks",
            "セキュリティアラート、脆弱性修正、ベースラインチェックに関するご質問",
        ],
        categories: &[
            cat(941, ["安全告警", "Security alerts", "セキュリティアラート"]),
            cat(942, ["漏洞修复", "Vulnerability fixes", "脆弱性の修正"]),
        ],
    },
    ProductSeed {
        code: "tianchi",
        id: 1209,
        placement: Placement::TechMore(5),
        name: ["天池", "Tianchi", "Tianchi"],
        description: [
            "竞赛规则、技术咨询等相关问题",
            "Competition rules and technical questions",
            "コンペティションのルールと技術的なご質問",
        ],
        categories: &[
            cat(
                951,
                ["竞赛规则", "Competition rules", "コンペティションのルール"],
            ),
            cat(952, ["技术咨询", "Technical questions", "技術的なご質問"]),
        ],
    },
    ProductSeed {
        code: "finance",
        id: 1193,
        placement: Placement::HotConsultation,
        name: ["财务类", "Billing and Finance", "請求と支払い"],
        description: [
            "订单, 提现, 发票, 汇款, 代金券等相关问题",
            "Orders, withdrawals, invoices, remittances and vouchers",
            "注文、出金、請求書、送金、クーポンに関するご質問",
        ],
        categories: &[
            cat(961, ["发票", "Invoices", "請求書"]),
            cat(962, ["退款与提现", "Refunds and withdrawals", "返金と出金"]),
            cat(963, ["代金券", "Vouchers", "クーポン"]),
        ],
    },
    ProductSeed {
        code: "account",
        id: 1194,
        placement: Placement::HotConsultation,
        name: ["会员帐号", "Account", "アカウント"],
        description: [
            "换绑手机/邮箱、实名认证、找回用户名/密码等相关问题",
            "Changing phone or email, real-name verification, recovering user name or password",
            "電話番号・メールの変更、実名認証、ユーザー名・パスワードの再設定に関するご質問",
        ],
        categories: &[
            cat(971, ["实名认证", "Real-name verification", "実名認証"]),
            cat(
                972,
                [
                    "换绑手机或邮箱",
                    "Change phone or email",
                    "電話番号またはメールの変更",
                ],
            ),
            cat(973, ["找回密码", "Recover password", "パスワードの再設定"]),
        ],
    },
    ProductSeed {
        code: "mail",
        id: 88,
        placement: Placement::HotConsultation,
        name: ["企业邮箱", "Enterprise Mail", "企業メール"],
        description: [
            "客户端配置/使用、收发信件异常及退信、postmaster管理员、垃圾邮件等相关问题",
            "Client setup, delivery failures and bounces, postmaster and spam",
            "クライアント設定、送受信エラーと不達、postmaster、迷惑メールに関するご質問",
        ],
        categories: &[
            cat(981, ["收发信异常", "Delivery failures", "送受信エラー"]),
            cat(982, ["垃圾邮件", "Spam", "迷惑メール"]),
        ],
    },
    ProductSeed {
        code: "agent",
        id: 1196,
        placement: Placement::HotConsultation,
        name: ["代理商类", "Partners and Resellers", "代理店"],
        description: [
            "代理商类相关问题",
            "Questions about resellers and partners",
            "代理店に関するご質問",
        ],
        categories: &[
            cat(991, ["代理商合作", "Partnership", "パートナーシップ"]),
            cat(992, ["客户关联", "Customer association", "顧客の関連付け"]),
        ],
    },
    ProductSeed {
        code: "beian",
        id: 76,
        placement: Placement::ConsultationMore,
        name: ["备案", "ICP Filing", "ICP 届出"],
        description: [
            "备案咨询、补偿、退款、等相关问题",
            "ICP filing questions, compensation and refunds",
            "ICP 届出、補償、返金に関するご質問",
        ],
        categories: &[
            cat(1001, ["首次备案", "First-time filing", "初回届出"]),
            cat(1002, ["备案变更", "Filing changes", "届出の変更"]),
        ],
    },
    ProductSeed {
        code: "presales",
        id: 1197,
        placement: Placement::ConsultationMore,
        name: ["售前咨询", "Pre-sales", "購入前のご相談"],
        description: [
            "产品选型、价格、购买等售前问题",
            "Product selection, pricing and purchasing",
            "製品の選定、価格、購入に関するご質問",
        ],
        categories: &[
            cat(1011, ["产品选型", "Product selection", "製品の選定"]),
            cat(1012, ["价格咨询", "Pricing", "価格"]),
        ],
    },
];
