package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// A provider registers once on the platform and keeps its own profile; no
// other provider may touch it, and a setting at an unknown outcode is
// refused without writing anything.
func TestProviderRegistry(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	a, b := h.admin(provA), h.admin(provB)
	reg := &purchasingv1.RegisterProviderRequest{RequestId: "register-" + provA, ProviderId: provA, Profile: providers[provA].profile()}
	first := must(a.RegisterProvider(ctx, reg)).OK(t)
	if first.GetId() != provA || first.GetStreamVersion() != 1 {
		t.Fatalf("RegisterProvider = %v, want id %s version 1", first, provA)
	}

	// A retry of the same request is applied once and answers as the first did.
	again := must(a.RegisterProvider(ctx, reg)).OK(t)
	if again.GetStreamVersion() != 1 || again.GetPosition() != first.GetPosition() {
		t.Errorf("retried RegisterProvider = %v, want the first answer %v", again, first)
	}
	// A second registration is refused: a provider registers once.
	_, err := a.RegisterProvider(ctx, &purchasingv1.RegisterProviderRequest{RequestId: "register-again-" + provA, ProviderId: provA, Profile: providers[provA].profile()})
	servicetest.WantRule(t, err, domain.RuleProviderAlreadyRegistered)

	// Another provider's admin may not add a setting to A's profile: for
	// it, A's profile does not exist.
	must(b.RegisterProvider(ctx, &purchasingv1.RegisterProviderRequest{RequestId: "register-" + provB, ProviderId: provB, Profile: providers[provB].profile()})).OK(t)
	_, err = b.AddSetting(ctx, &purchasingv1.AddSettingRequest{RequestId: "add-by-b-to-a", ProviderId: provA, Setting: home("SC999001", "Not Theirs", "M20", good)})
	servicetest.WantCode(t, err, codes.NotFound)
	// Nor even read it: a provider sees only its own profile.
	_, err = b.GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provA})
	servicetest.WantCode(t, err, codes.NotFound)

	// An unknown outcode is refused, naming the field, and nothing is written.
	before := h.LastPosition()
	_, err = a.AddSetting(ctx, &purchasingv1.AddSettingRequest{RequestId: "add-unknown-outcode", ProviderId: provA, Setting: home("SC100009", "Nowhere House", "ZZ9", good)})
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"setting.outcode"}) {
		t.Errorf("unknown outcode: field violations %v, want [setting.outcode]", got)
	}
	if after := h.LastPosition(); after != before {
		t.Errorf("a refused setting moved the store from %d to %d", before, after)
	}
	view := must(a.GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provA, MinPosition: before})).OK(t)
	if len(view.GetSettings()) != 0 || view.GetVersion() != 1 {
		t.Errorf("after a refused setting GetProvider shows %d settings at version %d, want none at version 1", len(view.GetSettings()), view.GetVersion())
	}

	// A good setting is added with its outcode as given, and a vacancy shows.
	must(a.AddSetting(ctx, &purchasingv1.AddSettingRequest{RequestId: "add-" + fallowfield, ProviderId: provA, Setting: home(fallowfield, "Fallowfield House", "m20", good)})).OK(t)
	pub := h.publish(provA, fallowfield, 2)
	view = must(a.GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provA, MinPosition: pub.GetPosition()})).OK(t)
	if len(view.GetSettings()) != 1 {
		t.Fatalf("GetProvider shows %d settings, want 1", len(view.GetSettings()))
	}
	s := view.GetSettings()[0]
	if s.GetSetting().GetOutcode() != "M20" || s.GetFreePlaces() != 2 || s.GetAvailableFrom() != "2026-11-23" {
		t.Errorf("setting = outcode %q, %d free from %q; want M20, 2 free from 2026-11-23", s.GetSetting().GetOutcode(), s.GetFreePlaces(), s.GetAvailableFrom())
	}
	// The lead (a buyer) sees A's profile too.
	lv := must(h.lead().GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provA, MinPosition: pub.GetPosition()})).OK(t)
	if lv.GetProfile().GetLegalName() != "Northern Lights Care Ltd" {
		t.Errorf("the lead sees legal name %q", lv.GetProfile().GetLegalName())
	}
}

// Malformed requests are refused by the declared validation with one
// violation per field, before anything is written.
func TestValidationNamesEveryBadField(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	a := h.admin(provA)
	before := h.LastPosition()

	bad := providers[provA].profile()
	bad.LegalName = ""
	_, err := a.RegisterProvider(ctx, &purchasingv1.RegisterProviderRequest{RequestId: "short", ProviderId: provA, Profile: bad})
	got := servicetest.FieldViolations(t, err)
	for _, f := range []string{"request_id", "profile.legal_name"} {
		if !slices.Contains(got, f) {
			t.Errorf("RegisterProvider violations %v do not name %s", got, f)
		}
	}

	s := home("sc-1", "Fallowfield House", "M20", good)
	s.RegisteredPlaces = 0
	_, err = a.AddSetting(ctx, &purchasingv1.AddSettingRequest{RequestId: "add-bad-setting", ProviderId: provA, Setting: s})
	got = servicetest.FieldViolations(t, err)
	for _, f := range []string{"setting.urn", "setting.registered_places"} {
		if !slices.Contains(got, f) {
			t.Errorf("AddSetting violations %v do not name %s", got, f)
		}
	}

	if after := h.LastPosition(); after != before {
		t.Errorf("refused requests moved the store from %d to %d", before, after)
	}
}

// An expired accreditation is flagged on the profile and blocks admission
// to a DPS until a current one is recorded.
func TestExpiredAccreditationBlocksAdmission(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.createDps("dps-accreditation")
	h.register(provC)
	adm := h.admin(provC)
	lapsed := must(adm.RecordAccreditation(ctx, &purchasingv1.RecordAccreditationRequest{RequestId: "lapsed-insurance", ProviderId: provC,
		Accreditation: accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, "PL-2025-77", "2026-10-31")})).OK(t)

	view := must(h.lead().GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provC, MinPosition: lapsed.GetPosition()})).OK(t)
	if !view.GetAccreditationExpired() {
		t.Error("GetProvider does not flag the expired insurance")
	}
	for _, a := range view.GetAccreditations() {
		wantExpired := a.GetAccreditation().GetKind() == purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE
		if a.GetExpired() != wantExpired {
			t.Errorf("accreditation %s expired = %v, want %v", a.GetAccreditation().GetKind(), a.GetExpired(), wantExpired)
		}
	}

	// The provider may apply, but the lead cannot admit it.
	h.apply(dpsID, provC, "residential")
	_, err := h.lead().AdmitProvider(ctx, admission(dpsID, provC, "residential"))
	servicetest.WantRule(t, err, domain.RuleAccreditationExpired)

	// Renewed, it is admitted.
	renewed := must(adm.RecordAccreditation(ctx, &purchasingv1.RecordAccreditationRequest{RequestId: "renewed-insurance", ProviderId: provC,
		Accreditation: accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, "PL-2026-12", "2027-10-31")})).OK(t)
	view = must(h.lead().GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provC, MinPosition: renewed.GetPosition()})).OK(t)
	if view.GetAccreditationExpired() {
		t.Error("GetProvider still flags an expired accreditation after renewal")
	}
	h.admit(dpsID, provC, "residential")
}
