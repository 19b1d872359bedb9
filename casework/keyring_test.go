package casework

import (
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"lawtrail/evidence"
)

// An enrollment's own co-signature verifies with the key it carries, and
// that key joins the ring only when the event verified.
func TestEnrollingKeysLearnOnlyFromVerifiedEnrollments(t *testing.T) {
	term, _ := evidence.GenerateKeyPair(rand.Reader)
	officer, _ := evidence.GenerateKeyPair(rand.Reader)
	payload, _ := json.Marshal(OfficerEnrolled{Officer: "o1", Name: "张三", Agency: "a", Roles: []Role{RoleAdmin}, PublicKey: officer.Public})
	raw, err := evidence.EncodeBody(evidence.Body{Version: 1, Terminal: term.ID(), Seq: 1, Time: time.Now(), Actor: "o1",
		Type: TypeOfficerEnrolled, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	good := evidence.Sign(raw, term, evidence.OfficerKey{Officer: "o1", Key: officer})
	forged := evidence.Sign(raw, term, evidence.OfficerKey{Officer: "o1", Key: officer})
	forged.Sig[0] ^= 1

	trusted := &evidence.Keys{}
	trusted.AddTerminal(term.ID(), term.Public)
	k := NewEnrollingKeys(trusted)
	if _, err := k.AddChain(evidence.NewChainVerifier(k), forged); err == nil {
		t.Fatal("a forged enrollment verified")
	}
	if _, ok := k.OfficerKey("o1"); ok {
		t.Fatal("a forged enrollment added its key")
	}
	if _, err := k.AddChain(evidence.NewChainVerifier(k), good); err != nil {
		t.Fatal(err)
	}
	if pub, ok := k.OfficerKey("o1"); !ok || !pub.Equal(officer.Public) {
		t.Fatal("a verified enrollment did not add its key")
	}
}
