package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lawtrail/store"
	"lawtrail/terminal/terminaltest"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// 公示 and 监督 attacked from outside, as processes: a `lawtrail-hub serve
// --web` process, terminals driven by `lawtrailctl` processes, curl,
// sqlite3 on the hub's and the terminal's files, a restored backup, a
// proof.json edited by hand and checked by a verifier written from
// docs/SYNC.md alone, and a hostile page on another origin in a real
// Chromium. Each hub is started with --web-client-ip-header X-Real-IP (as
// behind a reverse proxy), so that each attack below is its own client
// with its own rate limits.

// The publisher of the attack tests (孙八, role publisher).
var atkPublisher = map[string]string{"LAWTRAIL_OFFICER": "o-006", "LAWTRAIL_PIN": "246806"}

// atkPartyStreet is the part of the party's address (福建省福州市鼓楼区五四路128号)
// that masking hides: the street and number of an individual's home.
const atkPartyStreet = "五四路128号"

// atkHub starts a hub serving the web behind a proxy's X-Real-IP header.
func atkHub(t *testing.T) (*hubProcess, string) {
	t.Helper()
	h := startHubProcess(t, "--web", "127.0.0.1:0", "--web-client-ip-header", "X-Real-IP")
	return h, h.webURL(t)
}

// atkGet fetches url with curl as the client at address client; extra
// curl arguments go before the URL.
func atkGet(t *testing.T, client, url string, extra ...string) (status, body string) {
	t.Helper()
	return curlDo(t, append(append([]string{"-H", "X-Real-IP: " + client}, extra...), url)...)
}

// atkDownload fetches url into memory (binary safe), as client.
func atkDownload(t *testing.T, client, url string, extra ...string) (string, []byte) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "download")
	status, _ := atkGet(t, client, url, append(extra, "-o", f)...)
	b, _ := os.ReadFile(f)
	return status, b
}

// atkFinalizedFine opens a case as 李四 and finalizes a fine on 王小明
// decided on decided; it returns the case and the document.
func atkFinalizedFine(t *testing.T, dir, number, title, yuan, decided string) (string, string) {
	t.Helper()
	caseID := strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", dir, "case", "new", "--number", number, "--title", title))
	doc := strings.TrimSpace(mustAgencyCtl(t, asLi, "--data", dir, "doc", "new", "--case", caseID, "--template", "penalty_decision",
		"--fields", webFine(t, strings.ReplaceAll(number, `"`, `\"`), yuan, decided)))
	mustAgencyCtl(t, asLi, "--data", dir, "doc", "finalize", doc)
	return caseID, doc
}

// atkSQL runs statements with sqlite3 on a database file.
func atkSQL(t *testing.T, db string, stmts ...string) {
	t.Helper()
	if filepath.Base(db) == store.DatabaseFile { // a terminal's record: sealed, opened with the passphrase
		terminaltest.InsiderSQL(t, filepath.Dir(db), pass["LAWTRAIL_PASSPHRASE"], stmts...)
		return
	}
	for _, s := range stmts {
		if out, err := exec.Command("sqlite3", db, s).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3 %s: %v\n%s", s, err, out)
		}
	}
}

// atkNoPersonalData fails when text shows the party's full name, ID-card
// number or phone — also with the digits split apart — or the street of
// their address.
func atkNoPersonalData(t *testing.T, where, text string) {
	t.Helper()
	noPersonalData(t, where, text)
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == 'X' {
			return r
		}
		return -1
	}, text)
	for _, d := range []string{webPartyID, webPartyPhone} {
		if strings.Contains(digits, d) {
			t.Fatalf("%s shows the digits of %s split apart:\n%s", where, d, text)
		}
	}
	if strings.Contains(strings.Join(strings.Fields(text), ""), atkPartyStreet) {
		t.Fatalf("%s shows the party's street %s:\n%s", where, atkPartyStreet, text)
	}
}

// atkDecodedBodies is proof.json with every event body decoded from
// base64, so that what the events say is searched, not their encoding.
func atkDecodedBodies(t *testing.T, raw string) string {
	t.Helper()
	var p struct {
		Events, Terminals []struct {
			Event struct {
				Body []byte `json:"body"`
			} `json:"event"`
		}
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("proof.json: %v\n%s", err, raw)
	}
	var b strings.Builder
	b.WriteString(raw)
	for _, e := range append(p.Events, p.Terminals...) {
		b.WriteString("\n")
		b.Write(e.Event.Body)
	}
	return b.String()
}

// 事后公开 against an edited terminal, a careless publisher and an insider
// at the hub, and the proof a visitor downloads: one hub, one terminal of
// 某区市场监督管理局 whose publisher publishes
//   - ok: a fine on 王小明, masked by the rules (王某, 3501**********123X);
//   - leak: a fine published after the terminal's SQLite was edited (the
//     finalized document's party renamed and its numbers removed, so the
//     terminal's append-time check has nothing to compare with), its text
//     naming 王小明 with his ID-card and phone digits spaced apart;
//   - street: a fine whose text, edited by the publisher on an honest
//     terminal, keeps the party's street and house number;
//
// and a decision left unpublished past its due day. The hub keeps leak
// (its document hash is not the finalized version's) and street off every
// public page, download and proof, and lists them in the console with the
// reason; check and rebuild agree. Withdrawn on the terminal and published
// again with the rules' text, the decision is public. Then proof.json is
// edited by hand, an insider edits hub.db, and an older hub.db is restored.
func TestWebAttackPublicationsAndTheRecord(t *testing.T) {
	const agency = "某区市场监督管理局"
	h, web := atkHub(t)
	dir := agencyTerminal(t, h, agency)
	addOfficer(t, dir, "o-002", "李四", "35010000002", liPINCLI, "officer")
	addOfficer(t, dir, "o-006", "孙八", "", "246806", "publisher")
	sync := func() { t.Helper(); mustAgencyCtl(t, nil, "--data", dir, "sync", "--once") }

	_, okDoc := atkFinalizedFine(t, dir, "示市监罚〔2026〕21号", "销售过期食品", "5000", "2026-11-25 10:00")
	ok := lastWord(mustAgencyCtl(t, atkPublisher, "--data", dir, "publicity", "publish", "--doc", okDoc))
	leakCase, leakDoc := atkFinalizedFine(t, dir, "示市监罚〔2026〕22号", "销售过期食品", "2000", "2026-11-26 10:00")
	streetCase, streetDoc := atkFinalizedFine(t, dir, "示市监罚〔2026〕23号", "销售过期食品", "1000", "2026-11-27 10:00")
	lateCase, lateDoc := atkFinalizedFine(t, dir, "示市监罚〔2026〕24号", "无证经营", "3000", "2026-11-02 10:00")

	// The terminal's own rule refuses the unmasked text at append.
	leakText := jsonFile(t, "leak.json", `{"title": "行政处罚决定书 示市监罚〔2026〕22号", "party": "`+webPartyName+`",
 "address": "福建省福州市鼓楼区", "facts": "当事人`+webPartyName+`（身份证号 3 5 0 1 0 2 1 9 9 0 0 1 0 1 1 2 3 X，电话 1 3 8 0 0 0 0 1 1 1 1）销售过期食品。",
 "basis": "《食品安全法》第一百二十四条。", "outcome": "罚款2000元。"}`)
	if r := agencyCtl(t, atkPublisher, "--data", dir, "publicity", "publish", "--doc", leakDoc, "--text", leakText); r.code != exitRefused ||
		!strings.Contains(r.stderr, "not masked") {
		t.Fatalf("an unmasked text on an honest terminal: exit %d %s", r.code, r.stderr)
	}
	// With the finalized version's party edited in SQLite, the same
	// terminal signs it.
	atkSQL(t, filepath.Join(dir, "lawtrail.db"), `UPDATE document_versions SET content = json_set(content,
		'$.fields.party.name', '某甲', '$.fields.party.id_no', '', '$.fields.party.phone', '') WHERE doc = '`+leakDoc+`'`)
	leak := lastWord(mustAgencyCtl(t, atkPublisher, "--data", dir, "publicity", "publish", "--doc", leakDoc, "--text", leakText))
	if r := agencyCtl(t, nil, "--data", dir, "check"); r.code == 0 || !strings.Contains(r.stdout, "document_versions") {
		t.Fatalf("the terminal's check of its edited document: exit %d\n%s", r.code, r.stdout)
	}
	// A publisher keeps the street in the text: the terminal's rule does
	// not look at addresses.
	streetText := jsonFile(t, "street.json", `{"title": "行政处罚决定书 示市监罚〔2026〕23号", "party": "王某",
 "address": "福建省福州市鼓楼区`+atkPartyStreet+`", "facts": "当事人王某销售过期食品。", "basis": "《食品安全法》第一百二十四条。", "outcome": "罚款1000元。"}`)
	street := lastWord(mustAgencyCtl(t, atkPublisher, "--data", dir, "publicity", "publish", "--doc", streetDoc, "--text", streetText))
	sync()
	backup := filepath.Join(t.TempDir(), "hub-backup.db")
	atkSQL(t, filepath.Join(h.dir, "hub.db"), ".backup '"+backup+"'")

	t.Run("unmasked publications stay off the public pages", func(t *testing.T) {
		atkPublicPagesHoldNoPersonalData(t, "198.51.100.2", web, agency, ok, leak, street)
		for _, id := range []string{leak, street} {
			if status, _ := atkGet(t, "198.51.100.1", web+"/decisions/"+id); status != "404" {
				t.Errorf("the unmasked publication %s: %s, want 404", id, status)
			}
		}
		jar := atkConsoleUser(t, h, web, "198.51.100.1", "监督甲", "supervisor", "all")
		_, page := atkGet(t, "198.51.100.1", web+"/console/withheld", "-b", jar)
		for _, want := range []string{leak, street, "示市监罚〔2026〕22号", "示市监罚〔2026〕23号", "与平台收到的第 1 版定稿不一致",
			"住址中应遮蔽的部分"} {
			if !strings.Contains(page, want) {
				t.Fatalf("the console's withheld publications lack %s:\n%s", want, page)
			}
		}
		for _, path := range []string{"/console/", "/console/agencies", "/console/overdue", "/console/avgaps", "/console/limits",
			"/console/reviews", "/console/terminals", "/console/trends", "/console/access", "/console/cases/" + leakCase,
			"/console/cases/" + streetCase} {
			_, page := atkGet(t, "198.51.100.1", web+path, "-b", jar)
			atkNoPersonalData(t, path, page)
		}
		for _, path := range []string{"/console/overview.xlsx", "/console/withheld.xlsx", "/console/cases/" + leakCase + "/timeline.xlsx"} {
			status, x := atkDownload(t, "198.51.100.1", web+path, "-b", jar)
			if status != "200" {
				t.Fatalf("%s: %s", path, status)
			}
			atkNoPersonalData(t, path, atkXLSXText(t, x))
		}
		if out, rc := h.run(t, "check"); rc != 0 {
			t.Fatalf("hub check with withheld publications: %d\n%s", rc, out)
		}
		if out, rc := h.run(t, "rebuild"); rc != 0 {
			t.Fatalf("rebuild: %d %s", rc, out)
		}
		atkPublicPagesHoldNoPersonalData(t, "198.51.100.6", web, agency, ok, leak, street)

		// The publisher withdraws the withheld publication and publishes the
		// rules' text: that one is public.
		mustAgencyCtl(t, atkPublisher, "--data", dir, "publicity", "withdraw", street, "--code", "other", "--reason", "地址未遮蔽")
		again := lastWord(mustAgencyCtl(t, atkPublisher, "--data", dir, "publicity", "publish", "--doc", streetDoc))
		sync()
		if status, page := atkGet(t, "198.51.100.1", web+"/decisions/"+again); status != "200" || !strings.Contains(page, "福建省福州市鼓楼区**") {
			t.Fatalf("the publication of the rules' text: %s\n%s", status, page)
		}
		_, page = atkGet(t, "198.51.100.1", web+"/console/withheld", "-b", jar)
		if _, row, _ := strings.Cut(page, "<td>"+street+"</td>"); !strings.HasSuffix(strings.SplitN(row, "</tr>", 2)[0], "<td>是</td>") {
			t.Fatalf("the withheld publication is not marked withdrawn:\n%s", page)
		}
		if _, tl := atkGet(t, "198.51.100.1", web+"/console/cases/"+streetCase, "-b", jar); !strings.Contains(tl, "publicity.withdrawn") ||
			!strings.Contains(tl, again) {
			t.Fatalf("the case's timeline lacks the withdrawal of the withheld publication or the new one:\n%s", tl)
		}
		atkPublicPagesHoldNoPersonalData(t, "198.51.100.7", web, agency, again, leak, street)
	})

	t.Run("proof.json edited by hand fails an independent verifier", func(t *testing.T) {
		atkProofTampering(t, h, web, ok)
	})

	// Withdrawn on the terminal, then an insider at the hub edits hub.db.
	mustAgencyCtl(t, atkPublisher, "--data", dir, "publicity", "withdraw", ok, "--code", "revoked", "--reason", "行政复议决定撤销原处罚决定")
	sync()
	t.Run("an insider's sqlite3 on hub.db is named by check and undone by rebuild", func(t *testing.T) {
		atkInsiderEdits(t, h, web, ok, lateCase, lateDoc)
	})

	t.Run("a restored backup", func(t *testing.T) {
		atkRestoredBackup(t, h, dir, backup, ok)
	})
}

// atkPublicPagesHoldNoPersonalData reads, as client, every public page,
// download and proof of the hub and fails on any of the party's personal
// data; ok must be listed, hidden must not.
func atkPublicPagesHoldNoPersonalData(t *testing.T, client, web, agency, ok string, hidden ...string) {
	t.Helper()
	_, list := atkGet(t, client, web+"/decisions")
	if !strings.Contains(list, ok) {
		t.Fatalf("the decision list lacks %s:\n%s", ok, list)
	}
	for _, id := range hidden {
		if strings.Contains(list, id) {
			t.Errorf("the decision list shows %s", id)
		}
	}
	pages := map[string]string{"the decision list": list}
	for _, path := range []string{"/", "/a/" + url.PathEscape(agency), "/decisions?agency=" + url.QueryEscape(agency) + "&year=2026",
		"/decisions/" + ok, "/annual/2026", "/annual/2026.csv"} {
		_, pages[path] = atkGet(t, client, web+path)
	}
	for _, id := range append([]string{ok}, hidden...) {
		_, page := atkGet(t, client, web+"/decisions/"+id)
		pages["/decisions/"+id] = page
		_, proof := atkGet(t, client, web+"/decisions/"+id+"/proof.json")
		pages["/decisions/"+id+"/proof.json"] = atkDecodedBodies(t, atkProofOrEmpty(proof))
	}
	status, x := atkDownload(t, client, web+"/annual/2026.xlsx")
	if status != "200" {
		t.Fatalf("/annual/2026.xlsx: %s", status)
	}
	pages["/annual/2026.xlsx"] = atkXLSXText(t, x)
	for where, page := range pages {
		atkNoPersonalData(t, where, page)
	}
}

// atkProofOrEmpty is a proof.json body, or an empty proof for a 404 page.
func atkProofOrEmpty(body string) string {
	if strings.HasPrefix(strings.TrimSpace(body), "{") {
		return body
	}
	return "{}"
}

// atkConsoleUser adds a console account and signs it in with curl as
// client; it returns the cookie jar.
func atkConsoleUser(t *testing.T, h *hubProcess, web, client, name, role, agency string) string {
	t.Helper()
	password := name + " 的口令 correct horse"
	cmd := exec.Command(h.bin, "--data", h.dir, "user", "add", name, "--role", role, "--agency", agency)
	cmd.Env = append(os.Environ(), append(hubEnv, "LAWTRAIL_WEB_PASSWORD="+password)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add %s: %v\n%s", name, err, out)
	}
	jar := filepath.Join(t.TempDir(), "cookies")
	if status, body := atkSignIn(t, web, client, name, password, "-c", jar); status != "303" {
		t.Fatalf("sign in as %s: %s\n%s", name, status, body)
	}
	return jar
}

// atkSignIn posts the sign-in form with curl as client.
func atkSignIn(t *testing.T, web, client, name, password string, extra ...string) (string, string) {
	t.Helper()
	return atkGet(t, client, web+"/console/login", append(extra, "--data-urlencode", "name="+name,
		"--data-urlencode", "password="+password)...)
}

// atkXLSXText is every cell of every sheet of a workbook, one per line.
func atkXLSXText(t *testing.T, b []byte) string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("XLSX: %v", err)
	}
	defer x.Close()
	var out strings.Builder
	for _, sheet := range x.GetSheetList() {
		rows, err := x.GetRows(sheet)
		if err != nil {
			t.Fatalf("XLSX sheet %s: %v", sheet, err)
		}
		for _, row := range rows {
			out.WriteString(strings.Join(row, "\n") + "\n")
		}
	}
	return out.String()
}

// An insider with sqlite3 on hub.db un-withdraws a publication and
// unmasks its party, adds a publication of their own and hides an overdue
// decision. Each edit reaches the pages (the read model is what they
// read); `lawtrail-hub check` names each row and exits 1; `rebuild` puts
// back what the signed events say.
func atkInsiderEdits(t *testing.T, h *hubProcess, web, withdrawn, lateCase, lateDoc string) {
	const client = "198.51.100.3"
	jar := atkConsoleUser(t, h, web, client, "监督乙", "supervisor", "all")
	overdue := func() string { _, p := atkGet(t, client, web+"/console/overdue", "-b", jar); return p }
	if _, page := atkGet(t, client, web+"/decisions/"+withdrawn); !strings.Contains(page, "已撤回") {
		t.Fatalf("the withdrawn publication before the edits:\n%s", page)
	}
	_, raw := atkGet(t, client, web+"/decisions/"+withdrawn+"/proof.json")
	if _, w, err := atkVerifyProof([]byte(raw), atkPublishedKey(t, h)); err != nil || w == nil || w["reason"] != "行政复议决定撤销原处罚决定" {
		t.Fatalf("the withdrawn publication's proof: %v %v\n%s", err, w, raw)
	}
	if !strings.Contains(overdue(), "示市监罚〔2026〕24号") {
		t.Fatalf("the overdue decision before the edits:\n%s", overdue())
	}
	const fake = "p-0000000fa4e0"
	atkSQL(t, filepath.Join(h.dir, "hub.db"),
		"UPDATE rm_publications SET withdrawn_code = '', withdraw_reason = '', party = '"+webPartyName+"' WHERE publication = '"+withdrawn+"'",
		`INSERT INTO rm_publications (hub_agency, publication, case_id, doc, doc_version, act, party_kind, decided, due, published_at,
			published_day, title, party, address, facts, basis, outcome, terminal, event_digest, log_index)
			SELECT hub_agency, '`+fake+`', case_id, doc, doc_version, act, party_kind, decided, due, published_at, published_day,
			'行政处罚决定书 伪造', party, address, '伪造的违法事实', basis, '罚款1元。', terminal, event_digest, log_index
			FROM rm_publications WHERE publication = '`+withdrawn+`'`,
		"DELETE FROM rm_documents WHERE doc = '"+lateDoc+"'")
	_, page := atkGet(t, client, web+"/decisions/"+withdrawn)
	if strings.Contains(page, "已撤回") || !strings.Contains(page, webPartyName) {
		t.Fatalf("the edits did not reach the page:\n%s", page)
	}
	if status, _ := atkGet(t, client, web+"/decisions/"+fake); status != "200" {
		t.Fatalf("the added publication: %s", status)
	}
	if strings.Contains(overdue(), "示市监罚〔2026〕24号") {
		t.Fatalf("the overdue decision is still listed after its row was deleted")
	}
	out, rc := h.run(t, "check")
	for _, want := range []string{`publication ["某区市场监督管理局","` + withdrawn + `"`, `publication ["某区市场监督管理局","` + fake + `"`,
		`document ["某区市场监督管理局","` + lateDoc + `"`} {
		if rc != 1 || !strings.Contains(out, "BROKEN read model "+want) {
			t.Errorf("hub check does not name %s: exit %d\n%s", want, rc, out)
		}
	}
	if out, rc := h.run(t, "rebuild"); rc != 0 {
		t.Fatalf("rebuild: %d %s", rc, out)
	}
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("check after rebuild: %d\n%s", rc, out)
	}
	_, page = atkGet(t, client, web+"/decisions/"+withdrawn)
	if !strings.Contains(page, "已撤回") || !strings.Contains(page, "王某") {
		t.Fatalf("the page after rebuild:\n%s", page)
	}
	atkNoPersonalData(t, "the page after rebuild", page)
	if status, _ := atkGet(t, client, web+"/decisions/"+fake); status != "404" {
		t.Fatalf("the added publication after rebuild: %s", status)
	}
	if !strings.Contains(overdue(), "示市监罚〔2026〕24号") {
		t.Fatalf("the overdue decision after rebuild:\n%s", overdue())
	}
	if _, tl := atkGet(t, client, web+"/console/cases/"+lateCase, "-b", jar); !strings.Contains(tl, "示市监罚〔2026〕24号") {
		t.Fatalf("the late case's timeline:\n%s", tl)
	}
}

// A hub restored from an older copy of hub.db while the terminal kept
// syncing: the hub serves what the copy holds and its check passes (the
// copy is consistent with itself); nothing fails to render; the terminal,
// holding a checkpoint of the longer log, refuses the hub with the alarm
// and sends nothing.
func atkRestoredBackup(t *testing.T, h *hubProcess, dir, backup, withdrawn string) {
	h.cmd.Process.Kill()
	h.cmd.Wait()
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(filepath.Join(h.dir, "hub.db"+suffix))
	}
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "hub.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	atkServeAgain(t, h, "--web", "127.0.0.1:0", "--web-client-ip-header", "X-Real-IP")
	web := h.webURL(t)
	if out, rc := h.run(t, "check"); rc != 0 {
		t.Fatalf("check of the restored hub: %d\n%s", rc, out)
	}
	const client = "198.51.100.4"
	for _, path := range []string{"/", "/decisions", "/decisions/" + withdrawn, "/decisions/" + withdrawn + "/proof.json", "/annual/2026"} {
		if status, body := atkGet(t, client, web+path); status != "200" && status != "404" {
			t.Fatalf("%s on the restored hub: %s\n%s", path, status, body)
		}
	}
	_, page := atkGet(t, client, web+"/decisions/"+withdrawn)
	t.Logf("the publication withdrawn after the backup, on the restored hub, says 已撤回: %v", strings.Contains(page, "已撤回"))
	jar := atkConsoleUser(t, h, web, client, "监督丙", "supervisor", "all")
	for _, path := range []string{"/console/", "/console/overdue", "/console/terminals", "/console/withheld", "/console/overview.xlsx"} {
		if status, _ := atkDownload(t, client, web+path, "-b", jar); status != "200" {
			t.Fatalf("%s on the restored hub: %s", path, status)
		}
	}
	r := agencyCtl(t, nil, "--data", dir, "sync", "--once")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "ALARM") {
		t.Fatalf("the terminal's sync against the restored hub: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// atkServeAgain starts h's binary again on its data folder, at the
// address its terminals know.
func atkServeAgain(t *testing.T, h *hubProcess, serveArgs ...string) {
	t.Helper()
	h.cmd = exec.Command(h.bin, append([]string{"--data", h.dir, "serve", "--listen", h.addr}, serveArgs...)...)
	h.cmd.Env = append(os.Environ(), hubEnv...)
	out, _ := h.cmd.StdoutPipe()
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd := h.cmd
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l, open := <-lines:
			if !open {
				t.Fatal("the hub ended before serving")
			}
			if strings.HasPrefix(l, "public web on ") {
				go func() {
					for range lines {
					}
				}()
				return
			}
		case <-deadline:
			t.Fatal("the hub did not start again")
		}
	}
}

// atkProof is proof.json as docs/SYNC.md ("A publication's proof") says
// it is, read by a verifier that shares no code with the hub: Go's
// crypto/ed25519 and crypto/sha256, and RFC 6962 (RFC 9162 §2.1.3.2)
// inclusion checked here.
type atkProof struct {
	Publication string `json:"publication"`
	Checkpoint  struct {
		Size uint64 `json:"size"`
		Root string `json:"root"`
		Time string `json:"time"`
		Sig  string `json:"sig"`
		Note string `json:"note"`
	} `json:"checkpoint"`
	HubKey    string           `json:"hub_key"`
	Events    []atkProvedEvent `json:"events"`
	Terminals []atkProvedEvent `json:"terminals"` // each signer's terminal.initialized: its key
}

type atkProvedEvent struct {
	Type   string `json:"type"`
	Digest string `json:"digest"`
	Event  struct {
		Body   string `json:"body"`
		Sig    string `json:"sig"`
		Cosigs []struct {
			Officer string `json:"officer"`
			Sig     string `json:"sig"`
		} `json:"cosigs,omitempty"`
	} `json:"event"`
	LeafIndex uint64   `json:"leaf_index"`
	Proof     []string `json:"proof"`
}

// atkEventBody is what the verifier reads of an event's body.
type atkEventBody struct {
	Terminal string          `json:"terminal"`
	Type     string          `json:"type"`
	Payload  json.RawMessage `json:"payload"`
}

// atkVerifyProof checks raw as docs/SYNC.md says, against the hub key the
// district publishes, and returns the publication's payload and the
// withdrawal's (nil when not withdrawn).
func atkVerifyProof(raw, publishedKey []byte) (published, withdrawn map[string]any, err error) {
	var p atkProof
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, nil, fmt.Errorf("not a proof: %w", err)
	}
	hubKey, _ := base64.StdEncoding.DecodeString(p.HubKey)
	if !bytes.Equal(hubKey, publishedKey) {
		return nil, nil, errors.New("hub_key is not the key the district publishes")
	}
	root, _ := base64.StdEncoding.DecodeString(p.Checkpoint.Root)
	sig, _ := base64.StdEncoding.DecodeString(p.Checkpoint.Sig)
	msg := fmt.Sprintf("lawtrail-checkpoint/v1\n%d\n%s\n%s\n", p.Checkpoint.Size, hex.EncodeToString(root), p.Checkpoint.Time)
	if len(hubKey) != ed25519.PublicKeySize || !ed25519.Verify(hubKey, []byte(msg), sig) {
		return nil, nil, errors.New("the checkpoint's signature does not verify")
	}
	keys := map[string]ed25519.PublicKey{}
	var bodies []atkEventBody
	all := append(append([]atkProvedEvent{}, p.Events...), p.Terminals...)
	for i, e := range all {
		body, err := atkIncluded(e, p.Checkpoint.Size, root)
		if err != nil {
			return nil, nil, fmt.Errorf("event %d: %w", i, err)
		}
		var b atkEventBody
		if err := json.Unmarshal(body, &b); err != nil || b.Type != e.Type {
			return nil, nil, fmt.Errorf("event %d: body of type %q, listed as %q (%v)", i, b.Type, e.Type, err)
		}
		if (b.Type == "terminal.initialized") != (i >= len(p.Events)) {
			return nil, nil, fmt.Errorf("event %d: a %s where the proof lists %s", i, b.Type, map[bool]string{true: "terminals", false: "events"}[i >= len(p.Events)])
		}
		if b.Type == "terminal.initialized" {
			var init struct {
				Terminal  string `json:"terminal"`
				PublicKey []byte `json:"public_key"`
			}
			if json.Unmarshal(b.Payload, &init) != nil || len(init.PublicKey) != ed25519.PublicKeySize {
				return nil, nil, fmt.Errorf("event %d: terminal.initialized without a key", i)
			}
			// A terminal's id is "k" and the first 8 bytes of its key's SHA-256, in hex.
			if sum := sha256.Sum256(init.PublicKey); "k"+hex.EncodeToString(sum[:8]) != b.Terminal || init.Terminal != b.Terminal {
				return nil, nil, fmt.Errorf("event %d: the key is not terminal %s's", i, b.Terminal)
			}
			keys[b.Terminal] = init.PublicKey
		}
		bodies = append(bodies, b)
	}
	for i, e := range all {
		key, ok := keys[bodies[i].Terminal]
		body, _ := base64.StdEncoding.DecodeString(e.Event.Body)
		sig, _ := base64.StdEncoding.DecodeString(e.Event.Sig)
		if !ok || !ed25519.Verify(key, body, sig) {
			return nil, nil, fmt.Errorf("event %d (%s): not signed by terminal %s's key in the proof", i, e.Type, bodies[i].Terminal)
		}
	}
	for i, b := range bodies[:len(p.Events)] {
		var payload map[string]any
		json.Unmarshal(b.Payload, &payload)
		switch {
		case b.Type == "publicity.published" && payload["publication"] == p.Publication && published == nil:
			published = payload
		case b.Type == "publicity.withdrawn" && payload["publication"] == p.Publication && withdrawn == nil:
			withdrawn = payload
		default:
			return nil, nil, fmt.Errorf("event %d: a %s of another publication", i, b.Type)
		}
	}
	if published == nil {
		return nil, nil, errors.New("no publicity.published of " + p.Publication)
	}
	return published, withdrawn, nil
}

// atkPublishedKey is the hub key as the district publishes it
// (`lawtrail-hub key --json`).
func atkPublishedKey(t *testing.T, h *hubProcess) []byte {
	t.Helper()
	out, rc := h.run(t, "key", "--json")
	var key struct {
		PublicKey []byte `json:"public_key"`
	}
	if rc != 0 || json.Unmarshal([]byte(out), &key) != nil || len(key.PublicKey) != ed25519.PublicKeySize {
		t.Fatalf("lawtrail-hub key --json: %d %s", rc, out)
	}
	return key.PublicKey
}

// atkIncluded checks that an event's body hashes to its digest and that
// its leaf is in the log of size leaves whose root is root; it returns the
// body.
func atkIncluded(e atkProvedEvent, size uint64, root []byte) ([]byte, error) {
	body, err := base64.StdEncoding.DecodeString(e.Event.Body)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(body)
	if hex.EncodeToString(digest[:]) != e.Digest {
		return nil, errors.New("the body's SHA-256 is not its digest")
	}
	leaf := sha256.Sum256(append([]byte{0}, append([]byte("lawtrail-event/v1\n"), digest[:]...)...))
	if e.LeafIndex >= size {
		return nil, errors.New("the leaf is beyond the checkpoint")
	}
	fn, sn, r := e.LeafIndex, size-1, leaf[:]
	node := func(l, r []byte) []byte {
		h := sha256.Sum256(append(append([]byte{1}, l...), r...))
		return h[:]
	}
	for _, s := range e.Proof {
		p, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(p) != sha256.Size || sn == 0 {
			return nil, errors.New("a malformed or too long inclusion proof")
		}
		if fn&1 == 1 || fn == sn {
			r = node(p, r)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			r = node(r, p)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || !bytes.Equal(r, root) {
		return nil, errors.New("the inclusion proof does not lead to the checkpoint's root")
	}
	return body, nil
}

// A visitor downloads a publication's proof.json; the independent
// verifier accepts it as served (its masked text is the page's) and
// refuses every hand edit: the text changed, with or without its digest
// recomputed; the leaf index or a proof hash changed; the checkpoint's
// size changed; a checkpoint signed by another hub's key, with that key or
// with this hub's; the publication signed by another key; the signing
// terminal's key left out.
func atkProofTampering(t *testing.T, h *hubProcess, web, id string) {
	const client = "198.51.100.5"
	key := atkPublishedKey(t, h)
	status, raw := atkGet(t, client, web+"/decisions/"+id+"/proof.json")
	if status != "200" {
		t.Fatalf("proof.json: %s", status)
	}
	published, _, err := atkVerifyProof([]byte(raw), key)
	if err != nil {
		t.Fatalf("the proof as served does not verify: %v\n%s", err, raw)
	}
	text, _ := published["text"].(map[string]any)
	_, page := atkGet(t, client, web+"/decisions/"+id)
	if text["party"] != "王某" || !strings.Contains(page, fmt.Sprint(text["facts"])) {
		t.Fatalf("the proof's text %v is not the page's:\n%s", text, page)
	}
	var orig atkProof
	if err := json.Unmarshal([]byte(raw), &orig); err != nil {
		t.Fatal(err)
	}
	other, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	resign := func(p *atkProof, k ed25519.PrivateKey) {
		root, _ := base64.StdEncoding.DecodeString(p.Checkpoint.Root)
		msg := fmt.Sprintf("lawtrail-checkpoint/v1\n%d\n%s\n%s\n", p.Checkpoint.Size, hex.EncodeToString(root), p.Checkpoint.Time)
		p.Checkpoint.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(k, []byte(msg)))
	}
	editText := func(p *atkProof) {
		body, _ := base64.StdEncoding.DecodeString(p.Events[0].Event.Body)
		p.Events[0].Event.Body = base64.StdEncoding.EncodeToString(bytes.Replace(body, []byte(`"party":"王某"`), []byte(`"party":"李某"`), 1))
	}
	for name, edit := range map[string]func(p *atkProof){
		"the text changed": editText,
		"the text changed and its digest recomputed": func(p *atkProof) {
			editText(p)
			body, _ := base64.StdEncoding.DecodeString(p.Events[0].Event.Body)
			d := sha256.Sum256(body)
			p.Events[0].Digest = hex.EncodeToString(d[:])
		},
		"the leaf index changed": func(p *atkProof) { p.Events[0].LeafIndex++ },
		"a proof hash changed": func(p *atkProof) {
			b, _ := base64.StdEncoding.DecodeString(p.Events[0].Proof[0])
			b[0] ^= 1
			p.Events[0].Proof[0] = base64.StdEncoding.EncodeToString(b)
		},
		"the checkpoint's size changed":                    func(p *atkProof) { p.Checkpoint.Size++ },
		"a checkpoint of another hub, with its key":        func(p *atkProof) { resign(p, otherKey); p.HubKey = base64.StdEncoding.EncodeToString(other) },
		"a checkpoint of another hub, with this hub's key": func(p *atkProof) { resign(p, otherKey) },
		"the publication signed by another key": func(p *atkProof) {
			body, _ := base64.StdEncoding.DecodeString(p.Events[0].Event.Body)
			p.Events[0].Event.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(otherKey, body))
		},
		"the terminal's key left out": func(p *atkProof) { p.Terminals = nil },
		"another terminal's key given": func(p *atkProof) {
			body, _ := base64.StdEncoding.DecodeString(p.Terminals[0].Event.Body)
			var b map[string]any
			json.Unmarshal(body, &b)
			b["payload"].(map[string]any)["public_key"] = []byte(other)
			forged, _ := json.Marshal(b)
			p.Terminals[0].Event.Body = base64.StdEncoding.EncodeToString(forged)
			d := sha256.Sum256(forged)
			p.Terminals[0].Digest = hex.EncodeToString(d[:])
		},
		"the publication listed among the terminals": func(p *atkProof) { p.Terminals = append(p.Terminals, p.Events[0]) },
	} {
		var p atkProof
		b, _ := json.Marshal(orig)
		json.Unmarshal(b, &p)
		edit(&p)
		edited, _ := json.Marshal(p)
		if _, _, err := atkVerifyProof(edited, key); err == nil {
			t.Errorf("%s: the edited proof verifies", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// atkFormula is text a spreadsheet takes for a formula: an agency's name,
// a case's number and title.
const atkFormula = `=HYPERLINK("http://evil.example","点我")`

// The public web and the console attacked with requests: paths that climb
// out, other methods, oversized requests, clients that never finish their
// headers, floods past the rate limits, guessed passwords, sign-in leading
// elsewhere, sessions replayed after sign-out and after the account is
// disabled, a head reaching another agency's case, formula-looking text
// in the exports, and a hostile page on another origin posting the
// console's forms from a real Chromium. One hub; a terminal of
// 某区市场监督管理局 and one of an agency whose name is a formula, with a
// case whose number and title are formulas, decided in 2025 and never
// published.
func TestWebAttackRequestsAndConsole(t *testing.T) {
	const agency = "某区市场监督管理局"
	h, web := atkHub(t)
	slow := atkSlowClients(t, strings.TrimPrefix(web, "http://"), 48)
	dirX := agencyTerminal(t, h, agency)
	addOfficer(t, dirX, "o-002", "李四", "35010000002", liPINCLI, "officer")
	caseX, _ := atkFinalizedFine(t, dirX, "示市监罚〔2026〕31号", "销售过期食品", "500", "2026-11-25 10:00")
	dirF := agencyTerminal(t, h, atkFormula)
	addOfficer(t, dirF, "o-002", "李四", "35010000002", liPINCLI, "officer")
	caseF, _ := atkFinalizedFine(t, dirF, atkFormula, atkFormula, "800", "2025-12-01 10:00")
	for _, d := range []string{dirX, dirF} {
		mustAgencyCtl(t, nil, "--data", d, "sync", "--once")
	}
	supervisor := atkConsoleUser(t, h, web, "203.0.113.9", "司法局甲", "supervisor", "all") // 司法局甲 的口令 correct horse

	t.Run("paths, methods and sizes", func(t *testing.T) { atkPathsMethodsSizes(t, h, web) })
	t.Run("rate limits", func(t *testing.T) { atkRateLimits(t, web) })
	t.Run("sign-in limits", func(t *testing.T) { atkSignInLimits(t, h, web) })
	t.Run("sign-in leads only into the console", func(t *testing.T) { atkSignInRedirects(t, web, supervisor) })
	t.Run("sessions after sign-out and disable", func(t *testing.T) { atkSessionReplay(t, h, web) })
	t.Run("a head stays in their agency", func(t *testing.T) { atkHeadScope(t, h, web, caseX, caseF) })
	t.Run("formula-looking text stays text", func(t *testing.T) { atkFormulasStayText(t, h, web, supervisor, caseF) })
	t.Run("a hostile page in Chromium", func(t *testing.T) { atkHostilePage(t, h, web) })
	t.Run("clients that never finish their headers", func(t *testing.T) { slow(t) })
}

// atkPathsMethodsSizes: paths that climb out of the routes or carry NUL,
// %-encoded slashes and dots never reach a file (the hub's database, its
// key); methods other than GET and HEAD on public routes are 404 or 405,
// never 2xx or 5xx; HEAD answers without a body; a query or header past the
// server's header limit is 431; an oversized sign-in form 400.
func atkPathsMethodsSizes(t *testing.T, h *hubProcess, web string) {
	const client = "203.0.113.10"
	for i, path := range []string{"/static/../../hub.db", "/static/..%2f..%2fhub.db", "/decisions/..%2f..%2fhub.db",
		"/decisions/%2e%2e/%2e%2e/hub.db/proof.json", "/a/%00", "/a/..%2fkeys%2fhub.key", "/c/%00", "/c/../../keys/hub.key",
		"/annual/..%2f..%2fhub.db", "/annual/2026.xlsx%00", "/hub.db", "/keys/hub.key", "/hub.json", "/tls/hub.crt",
		"/console/../hub.db", "/console/%2e%2e/hub.db", "/console/static/../../hub.db", "/console/static/..%2f..%2fkeys/hub.key",
		"/static/%2e%2e%2f%2e%2e%2fhub.json"} {
		// Each path from its own address: this is about where a path
		// leads, not the rate limit (which has its own subtest), and the
		// redirects followed count against the public pages' burst.
		status, body := atkGet(t, fmt.Sprintf("203.0.115.%d", i), web+path, "--path-as-is", "-L", "--max-redirs", "3")
		if strings.Contains(body, "SQLite format 3") || strings.Contains(body, "sealed") || strings.Contains(body, "BEGIN") ||
			strings.Contains(body, `"web_url"`) || (status != "404" && status != "400" && !strings.Contains(body, `name="password"`)) {
			t.Errorf("%s: %s\n%.300s", path, status, body)
		}
	}
	routes := []string{"/", "/decisions", "/decisions/p-000000000000", "/decisions/p-000000000000/proof.json", "/a/x", "/annual/2025",
		"/annual/2025.csv", "/annual/2025.xlsx", "/c/x", "/static/style.css"}
	for i, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"} {
		for j, path := range routes {
			status, _ := atkGet(t, fmt.Sprintf("203.0.114.%d", i*len(routes)+j), web+path, "-X", m, "--data", "x=1")
			if status != "404" && status != "405" {
				t.Errorf("%s %s: %s", m, path, status)
			}
		}
		for _, path := range []string{"/console/", "/console/login", "/console/logout", "/console/overdue.xlsx"} {
			if status, _ := atkGet(t, client, web+path, "-X", m, "--data", "x=1"); status == "200" || status[0] == '5' {
				t.Errorf("%s %s: %s", m, path, status)
			}
		}
	}
	for _, path := range []string{"/", "/decisions", "/annual/2025", "/static/style.css", "/console/login"} {
		if status, body := atkGet(t, client, web+path, "-I"); status != "200" || strings.Contains(body, "<html") {
			t.Errorf("HEAD %s: %s\n%s", path, status, body)
		}
	}
	long := strings.Repeat("a", 15<<10)
	if status, _ := atkGet(t, client, web+"/decisions?agency="+long); status != "400" {
		t.Errorf("a 15 KiB agency in the query: %s", status)
	}
	for name, req := range map[string]string{
		"a 1 MiB URL":     "GET /decisions?agency=" + strings.Repeat("a", 1<<20) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"a 64 KiB header": "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 64<<10) + "\r\n\r\n",
		"4,000 headers":   "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: b\r\n", 4000) + "\r\n",
	} {
		if got := atkRawStatus(t, strings.TrimPrefix(web, "http://"), req); got != "431" {
			t.Errorf("%s: %s, want 431", name, got)
		}
	}
	big := filepath.Join(t.TempDir(), "big")
	os.WriteFile(big, bytes.Repeat([]byte("name=a&"), 500<<10), 0o600)
	if status, _ := atkGet(t, client, web+"/console/login", "--data-binary", "@"+big); status != "400" {
		t.Errorf("a 3.5 MB sign-in form: %s", status)
	}
	if status, _ := atkGet(t, client, web+"/console/login?next=/console/%22%3E%3Cscript%3Ealert(1)%3C/script%3E"); status != "200" {
		t.Errorf("the sign-in page with a script in next: %s", status)
	} else if _, body := atkGet(t, client, web+"/console/login?next=/console/%22%3E%3Cscript%3Ealert(1)%3C/script%3E"); strings.Contains(body, "<script>alert(1)") {
		t.Errorf("the sign-in page echoes next unescaped:\n%s", body)
	}
}

// atkRawStatus writes req on a new connection and returns the answer's
// status code ("" when the server closed without one).
func atkRawStatus(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	go c.Write([]byte(req)) // the server may answer and close before reading it all
	line, _ := bufio.NewReader(c).ReadString('\n')
	if f := strings.Fields(line); len(f) >= 2 {
		return f[1]
	}
	return ""
}

// atkSlowClients opens n connections to the web that send the start of a
// request and never finish its headers (half of them trickling a byte
// every half second). The returned check fails for each connection the
// server has not closed by then (the web's header timeout is 10 s); pages
// served meanwhile show the server kept answering others.
func atkSlowClients(t *testing.T, addr string, n int) func(*testing.T) {
	t.Helper()
	var conns []net.Conn
	for i := range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("slow client %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET /decisions HTTP/1.1\r\nHost: x\r\nX-Real-IP: 192.0.2.%d\r\nX-Slow: ", i)
		if i%2 == 1 {
			go func() {
				for {
					time.Sleep(500 * time.Millisecond)
					if _, err := c.Write([]byte("a")); err != nil {
						return
					}
				}
			}()
		}
		conns = append(conns, c)
	}
	return func(t *testing.T) {
		for i, c := range conns {
			c.SetReadDeadline(time.Now().Add(40 * time.Second))
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("slow client %d: the connection is still open", i)
			}
		}
	}
}

// atkRateLimits: one client past its burst gets 429 with Retry-After on
// the public pages, another client is served meanwhile, and the console's
// sign-in page is not behind the public limit.
func atkRateLimits(t *testing.T, web string) {
	const flood = "203.0.113.20"
	limited := 0
	for range 40 {
		status, head := atkGet(t, flood, web+"/decisions", "-D", "-", "-o", "/dev/null")
		if status == "429" {
			limited++
			if !strings.Contains(strings.ToLower(head), "retry-after:") {
				t.Fatalf("429 without Retry-After:\n%s", head)
			}
		}
	}
	if limited == 0 {
		t.Fatal("40 requests at once were all served")
	}
	if status, _ := atkGet(t, "203.0.113.21", web+"/decisions"); status != "200" {
		t.Errorf("another client during the flood: %s", status)
	}
	if status, _ := atkGet(t, flood, web+"/console/login"); status != "200" {
		t.Errorf("the console's sign-in page for the flooding client: %s", status)
	}
}

// atkSignInLimits: guesses at one account from ever new addresses are
// counted for the account (the 6th waits, 429 with Retry-After, and then
// even the right password is not checked); guesses at many names from one
// address are counted for the address.
func atkSignInLimits(t *testing.T, h *hubProcess, web string) {
	atkConsoleUser(t, h, web, "203.0.113.30", "被猜账户", "supervisor", "all")
	for i := range 5 {
		if status, _ := atkSignIn(t, web, fmt.Sprintf("203.0.115.%d", i), "被猜账户", fmt.Sprintf("guess %d", i)); status != "401" {
			t.Fatalf("wrong password %d: %s", i+1, status)
		}
	}
	status, body := atkSignIn(t, web, "203.0.115.100", "被猜账户", "guess 6", "-D", "-")
	if status != "429" || !strings.Contains(strings.ToLower(body), "retry-after:") {
		t.Fatalf("the 6th guess from a new address: %s\n%s", status, body)
	}
	if status, _ := atkSignIn(t, web, "203.0.115.101", "被猜账户", "被猜账户 的口令 correct horse"); status != "429" {
		t.Fatalf("the right password while the account waits: %s", status)
	}
	atkConsoleUser(t, h, web, "203.0.113.31", "未被猜账户", "supervisor", "all")
	for i := range 5 {
		if status, _ := atkSignIn(t, web, "203.0.113.32", fmt.Sprintf("name%d", i), "guess"); status != "401" {
			t.Fatalf("guess %d from one address: %s", i+1, status)
		}
	}
	if status, _ := atkSignIn(t, web, "203.0.113.32", "未被猜账户", "未被猜账户 的口令 correct horse"); status != "429" {
		t.Fatalf("the right password from an address that waits: %s", status)
	}
	if status, _ := atkSignIn(t, web, "203.0.113.33", "未被猜账户", "未被猜账户 的口令 correct horse"); status != "303" {
		t.Fatalf("the same account from another address: %s", status)
	}
}

// atkSignInRedirects: whatever next a sign-in carries — in the form
// posted, or in the address of the sign-in page opened while signed in —
// it leads to a console page of this host.
func atkSignInRedirects(t *testing.T, web, jar string) {
	const client = "203.0.113.40"
	location := func(head string) string {
		for _, line := range strings.Split(head, "\n") {
			if v, ok := strings.CutPrefix(strings.ToLower(line), "location:"); ok {
				return strings.TrimSpace(line[len(line)-len(v):])
			}
		}
		return ""
	}
	for i, next := range []string{"//evil.example", "///evil.example", "/\\evil.example", "https://evil.example/", "http:evil.example",
		"/console/..//evil.example", "/console//evil.example", "/console/%2F%2Fevil.example", "/console/%5C%5Cevil.example",
		"/console/\\/evil.example", "/console/\t/evil.example", "/console/\r\nLocation: https://evil.example", "javascript:alert(1)",
		"/console/../../decisions", "/console/%2e%2e/%2e%2e/evil", "/console/@evil.example", " //evil.example"} {
		status, head := atkGet(t, client, web+"/console/login?next="+url.QueryEscape(next), "-b", jar, "-D", "-", "-o", "/dev/null")
		answers := map[string]string{"opened signed in": status + " " + location(head)}
		if i < 3 {
			status, head = atkSignIn(t, web, client, "司法局甲", "司法局甲 的口令 correct horse", "-D", "-", "-o", "/dev/null",
				"--data-urlencode", "next="+next)
			answers["posted"] = status + " " + location(head)
		}
		for how, answer := range answers {
			status, loc, _ := strings.Cut(answer, " ")
			u, err := url.Parse(loc)
			if status != "303" || err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(loc, "/console/") ||
				strings.HasPrefix(loc, "//") || strings.Contains(u.Path, "..") {
				t.Errorf("next %q, %s: %s to %q", next, how, status, loc)
			}
		}
	}
}

// atkSessionReplay: the session cookie is HttpOnly and SameSite=Lax; a
// cookie kept after sign-out, or after the account was disabled, or made
// up, opens no page; a disabled account cannot sign in again.
func atkSessionReplay(t *testing.T, h *hubProcess, web string) {
	const client = "203.0.113.50"
	cookie := func(jar string) string {
		raw, _ := os.ReadFile(jar)
		for _, line := range strings.Split(string(raw), "\n") {
			if f := strings.Fields(line); len(f) == 7 && f[5] == "lawtrail_session" {
				if !strings.HasPrefix(line, "#HttpOnly_") {
					t.Fatalf("the session cookie is not HttpOnly: %s", line)
				}
				return "lawtrail_session=" + f[6]
			}
		}
		t.Fatalf("no session cookie in %s", raw)
		return ""
	}
	signedIn := func(c string) bool {
		status, _ := atkGet(t, client, web+"/console/", "-H", "Cookie: "+c, "-o", "/dev/null")
		return status == "200"
	}
	jar := atkConsoleUser(t, h, web, client, "会话测试", "supervisor", "all")
	c := cookie(jar)
	if !signedIn(c) {
		t.Fatal("the fresh session opens no page")
	}
	_, head := atkSignIn(t, web, client, "会话测试", "会话测试 的口令 correct horse", "-D", "-", "-o", "/dev/null")
	if !strings.Contains(head, "HttpOnly") || !strings.Contains(head, "SameSite=Lax") {
		t.Errorf("Set-Cookie:\n%s", head)
	}
	if status, _ := atkGet(t, client, web+"/console/logout", "-X", "POST", "-H", "Cookie: "+c, "-o", "/dev/null"); status != "303" {
		t.Fatalf("sign out: %s", status)
	}
	if signedIn(c) {
		t.Error("the cookie still opens the console after signing out")
	}
	jar = atkConsoleUser(t, h, web, client, "停用测试", "head", "某区市场监督管理局")
	c = cookie(jar)
	if out, rc := h.run(t, "user", "disable", "停用测试"); rc != 0 {
		t.Fatalf("user disable: %d %s", rc, out)
	}
	if signedIn(c) {
		t.Error("the cookie still opens the console after the account was disabled")
	}
	if status, _ := atkSignIn(t, web, client, "停用测试", "停用测试 的口令 correct horse"); status != "401" {
		t.Errorf("a disabled account signing in: %s", status)
	}
	for _, made := range []string{"lawtrail_session=" + strings.Repeat("A", 43), "lawtrail_session=../../x", "lawtrail_session=" + strings.Repeat("x", 4000),
		"__Host-lawtrail_session=" + strings.TrimPrefix(c, "lawtrail_session=")} {
		if signedIn(made) {
			t.Errorf("a made-up cookie %.40s opens the console", made)
		}
	}
}

// atkHeadScope: a head of 某区市场监督管理局 reaches their own case, not
// another agency's — by its id, its export or a picked agency.
func atkHeadScope(t *testing.T, h *hubProcess, web, own, other string) {
	const client = "203.0.113.60"
	jar := atkConsoleUser(t, h, web, client, "局长甲", "head", "某区市场监督管理局")
	if status, _ := atkGet(t, client, web+"/console/cases/"+own, "-b", jar); status != "200" {
		t.Fatalf("the head's own case: %s", status)
	}
	for path, want := range map[string]string{
		"/console/cases/" + other:                                      "404",
		"/console/cases/" + other + "/timeline.xlsx":                   "404",
		"/console/overdue?agency=" + url.QueryEscape(atkFormula):       "403",
		"/console/overview.xlsx?agency=" + url.QueryEscape(atkFormula): "403",
		"/console/?agency=" + url.QueryEscape(atkFormula):              "403",
		"/console/access":      "403",
		"/console/access.xlsx": "403",
	} {
		status, body := atkGet(t, client, web+path, "-b", jar)
		if status != want || strings.Contains(body, "HYPERLINK") {
			t.Errorf("a head's %s: %s, want %s\n%.400s", path, status, want, body)
		}
	}
}

// atkFormulasStayText: an agency's name and a case's number that a
// spreadsheet would run as formulas, and an account named like one, are
// text cells with a leading ' in every XLSX of the console and the annual
// statistics, and in the annual CSV.
func atkFormulasStayText(t *testing.T, h *hubProcess, web, jar, caseF string) {
	const client = "203.0.113.70"
	formulaJar := atkConsoleUser(t, h, web, client, "@HYPERLINK", "supervisor", "all")
	atkGet(t, client, web+"/console/", "-b", formulaJar)
	files := map[string][]byte{}
	for _, path := range []string{"/console/overview.xlsx", "/console/overdue.xlsx", "/console/agencies.xlsx", "/console/access.xlsx",
		"/console/cases/" + caseF + "/timeline.xlsx", "/annual/2025.xlsx"} {
		status, b := atkDownload(t, client, web+path, "-b", jar)
		if status != "200" {
			t.Fatalf("%s: %s", path, status)
		}
		files[path] = b
	}
	for path, b := range files {
		x, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, sheet := range x.GetSheetList() {
			rows, _ := x.GetRows(sheet)
			for r, row := range rows {
				for c, v := range row {
					cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if f, _ := x.GetCellFormula(sheet, cell); f != "" {
						t.Errorf("%s %s!%s is a formula: %s", path, sheet, cell, f)
					}
					if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
						t.Errorf("%s %s!%s reads as a formula: %q", path, sheet, cell, v)
					}
				}
			}
		}
		x.Close()
	}
	for path, want := range map[string]string{"/console/overdue.xlsx": "'" + atkFormula, "/console/access.xlsx": "'@HYPERLINK",
		"/annual/2025.xlsx": "'" + atkFormula} {
		if !strings.Contains(atkXLSXText(t, files[path]), want+"\n") {
			t.Errorf("%s has no cell %q:\n%s", path, want, atkXLSXText(t, files[path]))
		}
	}
	status, body := atkGet(t, client, web+"/annual/2025.csv")
	if status != "200" {
		t.Fatalf("annual CSV: %s", status)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("annual CSV: %v\n%s", err, body)
	}
	found := false
	for _, rec := range records {
		for _, f := range rec {
			if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
				t.Errorf("annual CSV field reads as a formula: %q", f)
			}
			found = found || f == "'"+atkFormula
		}
	}
	if !found {
		t.Errorf("annual CSV lacks the agency's name as text:\n%s", body)
	}
	if status, page := atkGet(t, client, web+"/a/"+url.PathEscape(atkFormula)); status != "200" || !strings.Contains(page, "HYPERLINK(&#34;http://evil.example&#34;") {
		t.Errorf("the agency's page: %s\n%s", status, page)
	}
}

// atkHostilePage: a page on another origin of the same site (127.0.0.1
// on another port) and one of another site (localhost) make a real
// Chromium post the console's forms — signing it in to the attacker's
// account (login CSRF), signing its user out — and load the sign-out
// address as an image. Every post is refused; the browser is never signed
// in to the attacker's account and the supervisor's session stays.
func atkHostilePage(t *testing.T, h *hubProcess, web string) {
	const client = "203.0.113.80"
	atkConsoleUser(t, h, web, client, "攻击者", "head", atkFormula)
	form := func(action, fields string) string {
		return `<!doctype html><form id="f" method="post" action="` + web + action + `">` + fields +
			`</form><script>document.getElementById("f").submit()</script>`
	}
	attackerLogin := `<input name="name" value="攻击者"><input name="password" value="攻击者 的口令 correct horse"><input name="next" value="/console/">`
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/login":
			io.WriteString(w, form("/console/login", attackerLogin))
		case "/logout":
			io.WriteString(w, form("/console/logout", ""))
		case "/img":
			io.WriteString(w, `<!doctype html><img src="`+web+`/console/logout"><img src="`+web+`/console/login?name=攻击者">`)
		}
	}))
	defer hostile.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(hostile.URL, "http://"))
	origins := map[string]string{"same site": hostile.URL, "another site": "http://localhost:" + port}

	b := newBrowser(t, 1280, 900)
	// the browser's next page once the hostile page has posted its form
	landed := func() string {
		for range 100 {
			if strings.HasPrefix(b.location(), web) {
				return b.text()
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("the hostile form was not posted: at %s", b.location())
		return ""
	}
	for name, origin := range origins {
		b.open(origin + "/login")
		if text := landed(); !strings.Contains(text, "请求被拒绝") {
			t.Errorf("login CSRF from %s: the hub answered\n%s", name, text)
		}
		b.open(web + "/console/")
		if loc := b.location(); !strings.Contains(loc, "/console/login") {
			t.Fatalf("after login CSRF from %s the browser is signed in (at %s):\n%s", name, loc, b.text())
		}
	}
	b.open(web + "/console/login")
	if err := chromedp.Do(b.ctx, chromedp.SendKeys(`#name`, "司法局甲"), chromedp.SendKeys(`#password`, "司法局甲 的口令 correct horse"),
		chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(`#alerts`)); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for name, origin := range origins {
		b.open(origin + "/logout")
		if text := landed(); !strings.Contains(text, "请求被拒绝") {
			t.Errorf("a sign-out posted from %s: the hub answered\n%s", name, text)
		}
		b.open(origin + "/login")
		landed()
		b.open(origin + "/img")
		text := b.open(web + "/console/")
		if loc := b.location(); strings.Contains(loc, "/console/login") || !strings.Contains(text, "司法局甲") || strings.Contains(text, "攻击者") {
			t.Fatalf("after the hostile page of %s the supervisor's session is gone or changed (at %s):\n%s", name, loc, text)
		}
	}
	if status, head := atkGet(t, client, web+"/console/login", "-D", "-", "-o", "/dev/null"); status != "200" ||
		!strings.Contains(head, "frame-ancestors 'none'") || !strings.Contains(head, "X-Frame-Options: DENY") {
		t.Errorf("the sign-in page may be framed: %s\n%s", status, head)
	}
}
