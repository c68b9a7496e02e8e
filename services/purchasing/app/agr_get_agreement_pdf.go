package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/money"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// AgrPlatformName is the platform's name as its documents print it.
const AgrPlatformName = "carecoop"

// GetAgreementPdf renders one version of an agreement (0: the latest) as a
// PDF the parties can keep: the platform's name, the parties, the terms,
// who accepted them and when, and the SHA-256 digest of the terms'
// canonical text, which is printed too so the digest can be checked
// against the PDF and against the record.
func (a *Agreements) GetAgreementPdf(ctx context.Context, p auth.Principal, agreementID string, version uint32, minPosition uint64) (*purchasingv1.AgreementPdf, error) {
	var (
		st domain.AgreementState
	)
	pos, err := a.read(ctx, minPosition, func(m *agrModel) error {
		r := m.byID[agreementID]
		if r == nil || !r.state.Exists() || !agrCanSee(p, r.state) {
			return notFound("agreement", agreementID)
		}
		st = r.state
		return nil
	})
	if err != nil {
		return nil, err
	}
	if version == 0 {
		version = uint32(len(st.Versions))
	}
	if int(version) > len(st.Versions) {
		return nil, domainerr.Missing("agreement version", "agreement %s has no version %d", agreementID, version)
	}
	v := st.Versions[version-1]
	doc, err := agrRender(st, v)
	if err != nil {
		return nil, err
	}
	return &purchasingv1.AgreementPdf{
		Filename: fmt.Sprintf("%s-v%d.pdf", agreementID, version), Pdf: doc, Version: version, Digest: v.Digest, Position: pos,
	}, nil
}

func agrRender(st domain.AgreementState, v *domain.AgreementVersion) ([]byte, error) {
	t := v.Terms
	pdf := fpdf.New("P", "mm", "A4", "")
	// Uncompressed, so the digest and terms can be found in the file with
	// ordinary tools; the document is a few pages of text.
	pdf.SetCompression(false)
	pdf.SetTitle(fmt.Sprintf("Placement agreement %s, version %d", t.GetAgreementId(), t.GetVersion()), false)
	pdf.SetCreator(AgrPlatformName, false)
	pdf.SetSubject("sha256:"+v.Digest, false)
	pdf.SetKeywords("sha256:"+v.Digest, false)
	pdf.SetCreationDate(v.DrawnAt)
	pdf.SetModificationDate(v.DrawnAt)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // UTF-8 to the core fonts' code page (for £)
	pdf.SetMargins(20, 20, 20)
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(0, 6, AgrPlatformName+" - children's placements commissioned together", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 18)
	pdf.MultiCell(0, 9, "Individual placement agreement", "", "L", false)
	pdf.SetFont("Helvetica", "", 11)
	status := "awaiting acceptance"
	switch {
	case v.Locked && st.InForce == t.GetVersion():
		status = "accepted by both parties and in force"
	case v.Locked:
		status = "accepted by both parties; since varied"
	case st.InForce > t.GetVersion():
		status = "superseded"
	}
	pdf.MultiCell(0, 6, tr(fmt.Sprintf("Agreement %s, version %d of %d: %s.", t.GetAgreementId(), t.GetVersion(), len(st.Versions), status)), "", "L", false)
	pdf.Ln(3)

	heading := func(s string) {
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 13)
		pdf.MultiCell(0, 7, tr(s), "", "L", false)
		pdf.SetFont("Helvetica", "", 11)
	}
	row := func(k, val string) {
		if val == "" {
			return
		}
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(55, 6, tr(k), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(0, 6, tr(val), "", "L", false)
	}

	heading("The parties")
	row("The council", fmt.Sprintf("Local authority with DfE code %s, placing the child", t.GetCouncil()))
	row("The provider", fmt.Sprintf("%s (%s)", t.GetProviderName(), t.GetProviderId()))
	row("Commissioned through", agrThrough(t))

	heading("The placement")
	row("Setting", fmt.Sprintf("%s, Ofsted URN %s", agrOr(t.GetSettingName(), t.GetSettingUrn()), t.GetSettingUrn()))
	row("Type of setting", AgrSettingTypeWords(t.GetSettingType()))
	row("Placement", t.GetPlacementId())
	row("Starts on", AgrLongDate(t.GetStartDate()))
	if t.GetEndDate() != "" {
		row("Ends on", AgrLongDate(t.GetEndDate()))
	} else {
		row("Ends on", "No end date agreed")
	}

	heading("The price")
	for _, pr := range t.GetPrices() {
		row("From "+AgrLongDate(pr.GetFromDate()), money.Pence(pr.GetWeeklyPricePence()).String()+" a week")
	}
	row("The price includes", agrOr(t.GetPriceIncludes(), "What the provider's offer stated; nothing further was recorded"))
	row("Paid", "Pro rata by day: each day placed at a seventh of the weekly price")
	if t.GetVariationReason() != "" {
		heading("This variation")
		row("Why", t.GetVariationReason())
	}

	heading("Acceptance")
	for _, party := range []purchasingv1.AgreementParty{purchasingv1.AgreementParty_AGREEMENT_PARTY_COUNCIL, purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER} {
		label := "For the council"
		if party == purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER {
			label = "For the provider"
		}
		if acc := v.Accepted[party]; acc != nil {
			row(label, fmt.Sprintf("Accepted by %s (%s) on %s", acc.GetSubject(), agrRoleWords(acc.GetRole()), acc.GetAcceptedAt().AsTime().UTC().Format("2 January 2006 at 15:04 UTC")))
		} else {
			row(label, "Not yet accepted")
		}
	}
	if v.Locked {
		pdf.MultiCell(0, 6, "Both parties have accepted these terms: they are locked. Any change is a variation both accept again.", "", "L", false)
	}

	heading("Checking this document")
	pdf.MultiCell(0, 6, tr("The SHA-256 digest of the canonical text of these terms, as recorded by the platform when they were drawn:"), "", "L", false)
	pdf.SetFont("Courier", "B", 9)
	pdf.MultiCell(0, 5, v.Digest, "", "L", false)
	pdf.SetFont("Helvetica", "", 11)
	pdf.MultiCell(0, 6, "The canonical text (each line ends with a line feed; UTF-8):", "", "L", false)
	pdf.SetFont("Courier", "", 8)
	for _, l := range strings.Split(strings.TrimSuffix(domain.AgreementCanonical(t), "\n"), "\n") {
		pdf.MultiCell(0, 4, tr(l), "", "L", false)
	}

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("rendering agreement %s: %w", t.GetAgreementId(), err)
	}
	return buf.Bytes(), nil
}

func agrOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func agrThrough(t *purchasingv1.AgreementTerms) string {
	if t.GetFrameworkId() != "" {
		return fmt.Sprintf("A call-off from lot %s of framework %s, on the lot's terms (consortium %s)", t.GetLotId(), t.GetFrameworkId(), t.GetConsortium())
	}
	return fmt.Sprintf("%s, %s (dynamic purchasing system %s of consortium %s), on its terms", agrOr(t.GetDpsTitle(), t.GetDpsId()), agrOr(t.GetCategoryName(), t.GetCategoryId()), t.GetDpsId(), t.GetConsortium())
}

// AgrSettingTypeWords is a setting type in words.
func AgrSettingTypeWords(s purchasingv1.SettingType) string {
	switch s {
	case purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME:
		return "Children's home"
	case purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY:
		return "Fostering agency"
	case purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION:
		return "Supported accommodation"
	case purchasingv1.SettingType_SETTING_TYPE_SPECIAL_SCHOOL:
		return "Special school"
	case purchasingv1.SettingType_SETTING_TYPE_SECURE_CHILDRENS_HOME:
		return "Secure children's home"
	}
	return "Not stated"
}

func agrRoleWords(role string) string {
	switch role {
	case domain.RoleCouncilCommissioner:
		return "the council's commissioner"
	case domain.RoleProviderAdmin:
		return "the provider's administrator"
	}
	return role
}

// AgrLongDate writes "2026-12-01" as "1 December 2026".
func AgrLongDate(s string) string {
	d, err := time.Parse(domain.DateLayout, s)
	if err != nil {
		return s
	}
	return d.Format("2 January 2006")
}
