package casefile

// readme is the case file's README.txt: what each file is and a procedure a
// court clerk can follow with sha256sum, openssl (3.0 or later), base64 and
// jq alone. scripts/verify-bundle.sh runs exactly these steps and CI runs it.
const readme = `执法案卷（lawtrail 导出）— 核验说明
==================================

本案卷可以不依赖 lawtrail，仅用 sha256sum、openssl（3.0 及以上）、base64 和 jq 核验。
另有 lawtrailctl verify-bundle 做更多检查（见文末）。

一、文件
  SHA256SUMS            除本文件和 export.json 以外每个文件的 SHA-256（sha256sum 格式）
  export.json           终端签名的 case.exported 事件：body（base64）中的 payload.sha256sums
                        是 SHA256SUMS 文件的 SHA-256，由此把案卷中每个文件固定在终端签名上
  terminal.json         导出终端的 Ed25519 公钥：public_key（32 字节，base64）和 public_key_pem（openssl 用）
  events.jsonl          终端的全部签名事件，每行 {"body": base64, "sig": base64, "cosigs": [...]}，按序号排列；
                        案件在本机构其他终端上继续办理时，先列本终端的链，再依次列其他终端各自完整的链
  terminals.json        （仅多终端案卷）其他终端的 id、名称和公钥，取自它们各自的 terminal.initialized 事件
  places.jsonl          （仅多终端案卷）每个事件在中心日志中的位置（terminal、seq、log_index）：
                        投影按此顺序重放，冲突（同一文书版本在两台终端定稿等）按日志顺序判定
  case.json             案件、步骤（音像要求、覆盖与缺口）和期限 —— 由事件推导
  footage.json          本案关联的音像文件：摘要、大小、来源、保管链 —— 由事件推导
  footage/<sha256>      音像文件本身（导出时选择附带时才有），文件名即其内容的 SHA-256
  documents/            每份文书的每个定稿版本：JSON（含 content_hash）、PDF、屏幕签名的 PNG
  reviews.json          （仅经过法制审核的案件）审核的每一轮：送审的决定、送审人、审核人员、审核清单、
                        审核意见、异议和负责人的处理 —— 由事件推导
  reviews/              每一轮的法制审核意见书（<审核编号>-r<轮次>-opinion.pdf），以及经集体讨论处理异议的
                        集体讨论记录（<审核编号>-r<轮次>-collective.pdf）—— 由事件推导
  log/hub.json          中心（hub）的 Ed25519 公钥：hub_key、hub_key_pem、签名笔记验证密钥
  log/checkpoints/N.note  中心签名的日志检查点（C2SP signed-note 格式：来源、大小、base64 根哈希）
  log/inclusion.jsonl   每个已被中心接收的事件：日志位置和对检查点 N 的 RFC 6962 包含证明
  log/receipts.jsonl    中心对本案音像文件的签名回执：signed（被签名的文本，base64）、sig、日志位置和包含证明
  log/timestamps/N.tsr  时间戳机构（TSA）对检查点 N 的 RFC 3161 时间戳令牌（DER 格式的 TimeStampToken），
                        其消息摘要是 log/checkpoints/N.note 整个文件的 SHA-256（中心配置了 TSA 时才有）

二、公钥从哪里来（重要）
  案卷里的公钥只是副本。请从案卷之外取得可信的公钥并与之比对：
  - 中心公钥：由区司法局公布（lawtrail-hub key 打印），应与 log/hub.json 的 hub_key 相同；
  - 终端公钥：中心的终端登记册（lawtrail-hub terminals）中该终端 id 的公钥，应与 terminal.json 相同；
    terminals.json 中的每个其他终端同样比对。
  密钥格式：Ed25519 原始公钥 32 字节（RFC 8032）；PEM 为 SubjectPublicKeyInfo，
  即 DER 前缀 302a300506032b6570032100 加 32 字节公钥。

三、步骤
  1. 文件完整：    sha256sum -c SHA256SUMS
  2. 导出签名：
       jq -r .public_key_pem terminal.json > terminal.pem
       jq -r .body export.json | base64 -d > export.body
       jq -r .sig  export.json | base64 -d > export.sig
       openssl pkeyutl -verify -pubin -inkey terminal.pem -rawin -in export.body -sigfile export.sig
     并确认 jq -r .payload.sha256sums export.body 等于 sha256sum SHA256SUMS 的结果，
     jq -r .type export.body 为 case.exported，jq -r .terminal export.body 为 terminal.json 的 terminal。
  3. 事件签名与链（多终端案卷：每个终端的链分别核验，各用 terminal.json 或 terminals.json 中该终端的公钥，
     官员联署用该终端自己的链中 officer.enrolled 登记的公钥；以下的"最后一行"指本终端链的最后一行）：
     对 events.jsonl 的每一行，同第 2 步核验 body 的签名；
     body 的 seq 从 1 起连续；prev 等于上一行 body 的 SHA-256（第一行为 64 个 0）；
     export.body 的 seq 大于最后一行的 seq（若正好大 1，其 prev 等于最后一行 body 的 SHA-256）。
  4. 中心检查点：对 log/checkpoints/N.note，前三行（各以换行结尾）是被签名的文本，
     最后一行 "— <来源> <base64>" 的 base64 解码后去掉前 4 字节（密钥哈希）为 64 字节 Ed25519 签名，
     用 log/hub.json 的 hub_key_pem 按第 2 步的方法核验。
  5. 包含证明：对 log/inclusion.jsonl 的每一行，叶哈希 = SHA-256(0x00 ‖ "lawtrail-event/v1\n" ‖ 事件 body 的 32 字节 SHA-256)，
     按 RFC 9162 第 2.1.3.2 节用 inclusion 中的哈希（base64）逐层计算（内部节点 SHA-256(0x01 ‖ 左 ‖ 右)），
     结果须等于检查点 N 第三行的根哈希。由此可证明这些事件不晚于该检查点已被中心固定。
     对 log/receipts.jsonl 的每一行：用中心公钥核验 sig 是对 signed（base64 解码）的签名；signed 的第 2 行是
     音像摘要，第 4 行是终端 id，第 6 行是日志位置；叶哈希 = SHA-256(0x00 ‖ signed)，包含证明同上。
  6. 文书：每个 documents/*.json 的 content_hash 须出现在 events.jsonl 中某个带官员联署（cosigs 非空）的
     doc.finalized 事件的 payload.content_hash 中。
  7. 音像：footage/ 下每个文件的 SHA-256 等于其文件名，且 events.jsonl 中有 footage.ingested 事件的 blobs 含此摘要。
  8. 时间戳（有 log/timestamps/ 时）：从时间戳机构取得其公布的根证书，存为 tsa-ca.pem
     （不要使用令牌内自带的证书作为信任依据），对每个 log/timestamps/N.tsr：
       openssl ts -verify -data log/checkpoints/N.note -in log/timestamps/N.tsr -token_in -CAfile tsa-ca.pem
     输出 "Verification: OK" 即证明检查点 N（以及第 5 步证明包含在其中的事件和回执）不晚于令牌中的时间已存在。
     令牌中的时间（UTC）和机构名称用以下命令查看（"Time stamp:" 和 "TSA:" 两行）：
       openssl ts -reply -in log/timestamps/N.tsr -token_in -text
     （文件是令牌本身而不是完整的时间戳响应，所以需要 -token_in。若机构使用中间证书且令牌中未附带，
     另加 -untrusted 中间证书.pem。）
  lawtrail 源码中的 scripts/verify-bundle.sh 按上述步骤自动执行。

四、lawtrailctl verify-bundle 额外核验
  事件格式的规范性与各类事件内容的合法性；文书 content_hash 的重新计算；由事件重新推导
  case.json、footage.json、terminal.json、每份文书的 JSON、PDF 与签名 PNG，以及 reviews.json、
  法制审核意见书和集体讨论记录，并逐字节比对；
  --terminal-key / --hub-key 指定可信公钥时与之比对；时间戳令牌的签名与摘要，--tsa-cert 指定时间戳机构的
  根证书时核验证书链，否则只用令牌自带的证书（并注明）。它只报告实际核验过的内容。


Case file (exported by lawtrail) — how to check it
==================================================

This case file can be checked without lawtrail, with sha256sum, openssl (3.0 or later), base64 and jq.
lawtrailctl verify-bundle checks more (see the end).

1. Files
  SHA256SUMS            SHA-256 of every file except itself and export.json (sha256sum format)
  export.json           the terminal's signed case.exported event: payload.sha256sums in its body (base64)
                        is the SHA-256 of SHA256SUMS, which binds every file to the terminal's signature
  terminal.json         the exporting terminal's Ed25519 key: public_key (32 bytes, base64), public_key_pem (for openssl)
  events.jsonl          every signed event of the terminal, one {"body": base64, "sig": base64, "cosigs": [...]} per line
  case.json             the case, its steps (AV requirement, coverage, gaps) and deadlines — derived from the events
  footage.json          the case's linked footage: digest, size, origin, custody — derived from the events
  footage/<sha256>      the footage files (when exported with them), each named by the SHA-256 of its content
  documents/            every finalized version of each document: JSON (with content_hash), PDF, PNGs of signatures
  log/hub.json          the hub's Ed25519 key: hub_key, hub_key_pem, signed-note verifier key
  log/checkpoints/N.note  hub-signed log checkpoints (C2SP signed note: origin, size, base64 root hash)
  log/inclusion.jsonl   for each event the hub accepted: its log index and RFC 6962 inclusion proof against checkpoint N
  log/receipts.jsonl    the hub's signed receipts of the case's footage: signed (the signed text, base64), sig, log index, proof
  log/timestamps/N.tsr  a time-stamping authority's (TSA) RFC 3161 timestamp token of checkpoint N (a DER TimeStampToken)
                        whose message imprint is the SHA-256 of the whole file log/checkpoints/N.note (when the hub has a TSA)

2. Where the keys come from (important)
  The keys in the case file are copies. Obtain trusted keys from outside it and compare:
  - the hub key, published by the district's Justice Bureau (printed by lawtrail-hub key): equal to hub_key in log/hub.json;
  - the terminal key, from the hub's register of terminals (lawtrail-hub terminals): equal to terminal.json.
  Key format: raw 32-byte Ed25519 public keys (RFC 8032); the PEM is SubjectPublicKeyInfo, i.e. the DER prefix
  302a300506032b6570032100 followed by the 32 bytes.

3. Steps
  1. Files intact:  sha256sum -c SHA256SUMS
  2. The export's signature:
       jq -r .public_key_pem terminal.json > terminal.pem
       jq -r .body export.json | base64 -d > export.body
       jq -r .sig  export.json | base64 -d > export.sig
       openssl pkeyutl -verify -pubin -inkey terminal.pem -rawin -in export.body -sigfile export.sig
     and check that jq -r .payload.sha256sums export.body equals what sha256sum SHA256SUMS prints,
     that jq -r .type export.body is case.exported and jq -r .terminal export.body is terminal.json's terminal.
  3. Events and chain: verify each line of events.jsonl as in step 2; seq counts up from 1 without gaps;
     prev is the SHA-256 of the previous line's body (64 zeros on the first); export.body's seq is greater
     than the last line's (if exactly one greater, its prev is the SHA-256 of the last body).
  4. Hub checkpoints: in log/checkpoints/N.note the first three lines (each ending in a newline) are the signed
     text; the last line "— <origin> <base64>" decodes to a 4-byte key hash followed by the 64-byte Ed25519
     signature, checked with hub_key_pem from log/hub.json as in step 2.
  5. Inclusion: for each line of log/inclusion.jsonl the leaf hash is SHA-256(0x00 ‖ "lawtrail-event/v1\n" ‖ the
     32-byte SHA-256 of the event body); fold the inclusion hashes (base64) as in RFC 9162 section 2.1.3.2
     (inner nodes SHA-256(0x01 ‖ left ‖ right)); the result must equal the root on line 3 of checkpoint N.
     This shows these events were fixed by the hub no later than that checkpoint.
     For each line of log/receipts.jsonl: sig verifies over signed (base64-decoded) under the hub key; line 2 of
     signed is the footage digest, line 4 the terminal id, line 6 the log index; the leaf hash is
     SHA-256(0x00 ‖ signed), and the proof folds as above.
  6. Documents: each documents/*.json's content_hash appears as payload.content_hash of a doc.finalized event in
     events.jsonl that carries an officer's co-signature (cosigs not empty).
  7. Footage: each file under footage/ hashes to its name, and a footage.ingested event in events.jsonl names it in blobs.
  8. Timestamps (when log/timestamps/ exists): obtain the root certificate the time-stamping authority publishes
     and save it as tsa-ca.pem (do not trust the certificate inside the token for this); for each log/timestamps/N.tsr:
       openssl ts -verify -data log/checkpoints/N.note -in log/timestamps/N.tsr -token_in -CAfile tsa-ca.pem
     "Verification: OK" shows that checkpoint N (and the events and receipts step 5 proves are in it) existed no
     later than the token's time. Read that time (UTC) and the authority's name ("Time stamp:" and "TSA:") with
       openssl ts -reply -in log/timestamps/N.tsr -token_in -text
     (the file is the token itself, not a whole timestamp response, hence -token_in; if the authority signs under
     an intermediate certificate the token does not carry, add -untrusted intermediate.pem).
  scripts/verify-bundle.sh in lawtrail's source runs these steps.

4. What lawtrailctl verify-bundle adds
  The canonical form of every event body and the validity of every payload; each document's content_hash
  recomputed; case.json, footage.json, terminal.json and each document's JSON, PDF and signature PNGs derived
  again from the events and compared byte for byte; trusted keys given with --terminal-key / --hub-key compared;
  each timestamp token's digest and signature, its certificate chained to the TSA root given with --tsa-cert
  (without it, only the certificate inside the token is used, and it says so).
  It reports only what it checked.
`
