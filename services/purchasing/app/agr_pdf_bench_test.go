package app

import (
	"testing"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// BenchmarkAgreementPdf renders one version of an agreement as the parties
// download it, and reports the file's size.
func BenchmarkAgreementPdf(b *testing.B) {
	t := &purchasingv1.AgreementTerms{AgreementId: "agr-1", Version: 1, PlacementId: "pl-1", ReferralId: "ref-1", Consortium: "north-west", Council: "352",
		ProviderId: "pennine-pathways", ProviderName: "Pennine Pathways", SettingUrn: "SC200001", SettingName: "Heaton Norris House",
		SettingType: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, DpsId: "dps-1", DpsTitle: "Greater Manchester Placements DPS",
		CategoryId: "residential", CategoryName: "Residential children's homes", StartDate: "2026-12-05",
		Prices:        []*purchasingv1.AgreementPrice{{FromDate: "2026-12-05", WeeklyPricePence: 520000}},
		PriceIncludes: "A settled home with a place in a local school."}
	st := domain.FoldAgreement(domain.InitialAgreement(), nil)
	st.AgreementID = "agr-1"
	v := &domain.AgreementVersion{Terms: t, Digest: domain.AgreementDigest(t), DrawnAt: time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)}
	st.Versions = []*domain.AgreementVersion{v}
	var size int
	for b.Loop() {
		pdf, err := agrRender(st, v)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}
