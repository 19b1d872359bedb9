package casework

import (
	"errors"
	"strings"
	"testing"
)

// P3: a published decision shows an individual as 张某 — the surname, a
// compound surname whole — and never a full name of any length.
func TestMaskName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"张三", "张某"}, {"王", "某"}, {"李小龙", "李某"}, {"欧阳修", "欧阳某"}, {"司马相如", "司马某"},
		{"欧阳", "欧某"}, {" 诸葛亮 ", "诸葛某"}, {"买买提·艾力", "买某"}, {"", ""},
	} {
		if got := MaskName(c.in); got != c.want {
			t.Errorf("MaskName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// P3: addresses are cut to the district, or the street/town below it.
func TestMaskAddress(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"福建省福州市鼓楼区五四路街道东街口128号3单元", "福建省福州市鼓楼区五四路街道**"},
		{"福建省福州市鼓楼区五四路128号", "福建省福州市鼓楼区**"},
		{"福建省闽侯县上街镇溪源江路2号", "福建省闽侯县上街镇**"},
		{"某路1号", "**"},
		{"福建省福州市鼓楼区", "福建省福州市鼓楼区"},
	} {
		if got := MaskAddress(c.in); got != c.want {
			t.Errorf("MaskAddress(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// P3: ID-card, mobile and landline numbers are masked wherever they stand,
// however split; amounts, dates and case numbers stay.
func TestMaskNumbers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"身份证号350102199001011234。", "身份证号3501**********1234。"},
		{"身份证号35010219900101123x", "身份证号3501**********123X"},
		{"号码 350102 19900101 123X 在案", "号码 3501**********123X 在案"},
		{"3501-0219-9001-0112-34", "3501**********1234"},
		{"３５０１０２１９９００１０１１２３４", "3501**********1234"},
		{"电话13800001111，", "电话138****1111，"},
		{"电话 138 0000 1111", "电话 138****1111"},
		{"电话138-0000-1111", "电话138****1111"},
		{"座机0591-87654321", "座机0591********"},
		{"旧证350102900101123", "旧证3501********123"},
		{"2026-11-25 13800001111", "2026-11-25 138****1111"},
		{"罚款200000元，2026-11-25 10:00决定，示市监罚〔2026〕7号", "罚款200000元，2026-11-25 10:00决定，示市监罚〔2026〕7号"},
		{"统一社会信用代码91350100MA00000000", "统一社会信用代码91350100MA00000000"},
	} {
		if got := MaskNumbers(c.in); got != c.want {
			t.Errorf("MaskNumbers(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A decision's text is masked for the party named in it; the check at
// append refuses what still carries the party's ID-card number, phone or
// an individual's full name, however disguised.
func TestMaskTextAndCheck(t *testing.T) {
	party := Party{Name: "张三", IDNo: "35010219900101123X", Address: "福建省福州市鼓楼区五四路128号", Phone: "13800001111"}
	facts := "当事人张三（身份证号35010219900101123X，住福建省福州市鼓楼区五四路128号，电话13800001111）销售过期食品。"
	masked := MaskText(facts, party, PartyIndividual)
	want := "当事人张某（身份证号3501**********123X，住福建省福州市鼓楼区**，电话138****1111）销售过期食品。"
	if masked != want {
		t.Fatalf("masked %q\nwant   %q", masked, want)
	}
	if err := CheckMasked(masked, party, PartyIndividual); err != nil {
		t.Fatalf("the masked text is refused: %v", err)
	}
	for _, bad := range []string{
		facts,
		"当事人张 三销售过期食品。",
		"当事人张\u200b三。",
		"证号 3501 0219 9001 0112 3X",
		"证号3501-0219-9001-0112-3x",
		"证号：三五〇一 3501021990010112 3 X", // digits split by other characters still read in order
		"联系 138 0000 1111",
		"联系１３８００００１１１１",
		"<script>alert(1)</script>13800001111",
		"号码为3501021990010112 3X",
	} {
		if err := CheckMasked(bad, party, PartyIndividual); !errors.Is(err, ErrUnmasked) {
			t.Errorf("CheckMasked(%q) = %v, want ErrUnmasked", bad, err)
		}
	}
	// Any other person's ID-card or mobile number is refused too.
	if err := CheckMasked("证人李四，身份证号110101198001010015", party, PartyIndividual); !errors.Is(err, ErrUnmasked) {
		t.Errorf("another person's ID-card number passed: %v", err)
	}
	// An organisation keeps its name; its legal representative stays named.
	org := Party{Name: "某某食品有限公司", IDNo: "91350100MA00000000", LegalRep: "李四"}
	if got := MaskParty(org, PartyOrganisation); got != "某某食品有限公司" {
		t.Errorf("organisation shown as %q", got)
	}
	if err := CheckMasked("某某食品有限公司销售过期食品。", org, PartyOrganisation); err != nil {
		t.Errorf("an organisation's name refused: %v", err)
	}
	// A one-character name cannot be searched for without refusing every
	// text with that character: it is masked but not checked.
	one := Party{Name: "王"}
	if got := MaskText("当事人王销售", one, PartyIndividual); got != "当事人某销售" {
		t.Errorf("one-character name: %q", got)
	}
	// Names of three and four characters are found however spaced.
	for _, name := range []string{"李小龙", "司马相如"} {
		p := Party{Name: name}
		spaced := strings.Join(strings.Split(name, ""), " ")
		if err := CheckMasked("当事人"+spaced, p, PartyIndividual); !errors.Is(err, ErrUnmasked) {
			t.Errorf("%q spaced passed: %v", name, err)
		}
		if err := CheckMasked("当事人"+MaskName(name), p, PartyIndividual); err != nil {
			t.Errorf("%q masked refused: %v", name, err)
		}
	}
}
