package ocds

import (
	"encoding/json"
	"fmt"
)

// The OCDS 1.1 objects the feed publishes, with only the fields it fills:
// a field not declared here cannot reach the feed, whatever a service
// answers.

// Package is a release package (release-package-schema.json).
type Package struct {
	URI           string    `json:"uri"`
	Version       string    `json:"version"`
	Extensions    []string  `json:"extensions"`
	PublishedDate string    `json:"publishedDate"`
	Publisher     Publisher `json:"publisher"`
	License       string    `json:"license,omitempty"`
	Releases      []Release `json:"releases"`
	// Links.Next is the next page of the feed; absent on the last page.
	Links *Links `json:"links,omitempty"`
}

// Publisher names who publishes the package.
type Publisher struct {
	Name string `json:"name"`
}

// Links are the feed's paging links.
type Links struct {
	Next string `json:"next,omitempty"`
}

// Release is one OCDS release: what was known of one contracting process
// when one decision was taken.
type Release struct {
	OCID             string           `json:"ocid"`
	ID               string           `json:"id"`
	Date             string           `json:"date"`
	Tag              []string         `json:"tag"`
	InitiationType   string           `json:"initiationType"`
	Language         string           `json:"language"`
	Parties          []Party          `json:"parties,omitempty"`
	Buyer            *OrgRef          `json:"buyer,omitempty"`
	Tender           *Tender          `json:"tender,omitempty"`
	Awards           []Award          `json:"awards,omitempty"`
	Contracts        []Contract       `json:"contracts,omitempty"`
	RelatedProcesses []RelatedProcess `json:"relatedProcesses,omitempty"`

	// position is the global position of the commit the release stands
	// for: the feed's order and its paging cursor.
	position uint64
}

// Position is the global position of the decision the release stands for.
func (r Release) Position() uint64 { return r.position }

// Party is an organisation taking part, with its roles.
type Party struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// OrgRef points at a party.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Tender is the process's tender section, with the Lots and Techniques
// extensions' fields.
type Tender struct {
	ID                       string      `json:"id"`
	Title                    string      `json:"title,omitempty"`
	Description              string      `json:"description,omitempty"`
	Status                   string      `json:"status,omitempty"`
	ProcuringEntity          *OrgRef     `json:"procuringEntity,omitempty"`
	Items                    []Item      `json:"items,omitempty"`
	ProcurementMethod        string      `json:"procurementMethod,omitempty"`
	ProcurementMethodDetails string      `json:"procurementMethodDetails,omitempty"`
	MainProcurementCategory  string      `json:"mainProcurementCategory,omitempty"`
	AwardCriteria            string      `json:"awardCriteria,omitempty"`
	AwardCriteriaDetails     string      `json:"awardCriteriaDetails,omitempty"`
	TenderPeriod             *Period     `json:"tenderPeriod,omitempty"`
	ContractPeriod           *Period     `json:"contractPeriod,omitempty"`
	Lots                     []Lot       `json:"lots,omitempty"`
	Techniques               *Techniques `json:"techniques,omitempty"`
	// Competitive (Techniques extension): whether a call-off reopened
	// competition among the lot's providers.
	Competitive *bool `json:"competitive,omitempty"`
}

// Lot is one lot of a tender (Lots extension).
type Lot struct {
	ID          string `json:"id"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Status      string `json:"status,omitempty"`
}

// Techniques says a framework agreement or a dynamic purchasing system is
// involved (Techniques extension).
type Techniques struct {
	HasFrameworkAgreement      *bool                    `json:"hasFrameworkAgreement,omitempty"`
	FrameworkAgreement         *FrameworkAgreement      `json:"frameworkAgreement,omitempty"`
	HasDynamicPurchasingSystem *bool                    `json:"hasDynamicPurchasingSystem,omitempty"`
	DynamicPurchasingSystem    *DynamicPurchasingSystem `json:"dynamicPurchasingSystem,omitempty"`
}

// FrameworkAgreement describes the framework agreement.
type FrameworkAgreement struct {
	Method string `json:"method,omitempty"`
	// MaximumParticipants is 1e9999 (infinity) when there is no maximum, as
	// the extension asks; a json.Number keeps it so.
	MaximumParticipants json.Number `json:"maximumParticipants,omitempty"`
	BuyerCategories     string      `json:"buyerCategories,omitempty"`
	Period              *Period     `json:"period,omitempty"`
	Description         string      `json:"description,omitempty"`
}

// DynamicPurchasingSystem describes the dynamic purchasing system.
type DynamicPurchasingSystem struct {
	Type   string `json:"type,omitempty"`
	Status string `json:"status,omitempty"`
}

// Item is a line of what is bought: here a week of a placement.
type Item struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	RelatedLot  string `json:"relatedLot,omitempty"`
	Unit        *Unit  `json:"unit,omitempty"`
}

// Unit is the item's unit and, once awarded, its price.
type Unit struct {
	Name  string `json:"name"`
	Value *Value `json:"value,omitempty"`
}

// Value is an amount of money.
type Value struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

// Period is a span of dates.
type Period struct {
	StartDate     string `json:"startDate,omitempty"`
	EndDate       string `json:"endDate,omitempty"`
	MaxExtentDate string `json:"maxExtentDate,omitempty"`
}

// Award is a decision to award, with the suppliers.
type Award struct {
	ID          string   `json:"id"`
	Title       string   `json:"title,omitempty"`
	Status      string   `json:"status"`
	Date        string   `json:"date,omitempty"`
	Suppliers   []OrgRef `json:"suppliers"`
	Items       []Item   `json:"items,omitempty"`
	RelatedLots []string `json:"relatedLots,omitempty"`
}

// Contract is the agreement entered into after an award.
type Contract struct {
	ID         string      `json:"id"`
	AwardID    string      `json:"awardID"`
	Title      string      `json:"title,omitempty"`
	Status     string      `json:"status"`
	Period     *Period     `json:"period,omitempty"`
	Items      []Item      `json:"items,omitempty"`
	Amendments []Amendment `json:"amendments,omitempty"`
}

// Amendment is a change to a contract after it was entered into.
type Amendment struct {
	ID          string `json:"id"`
	Date        string `json:"date"`
	Rationale   string `json:"rationale"`
	Description string `json:"description,omitempty"`
}

// RelatedProcess links a call-off to the framework or DPS it was made
// under.
type RelatedProcess struct {
	ID           string   `json:"id"`
	Relationship []string `json:"relationship"`
	Title        string   `json:"title,omitempty"`
	Scheme       string   `json:"scheme"`
	Identifier   string   `json:"identifier"`
}

// gbp is an amount of pence as pounds, exactly ("5200.00").
func gbp(pence int64) *Value {
	sign := ""
	if pence < 0 {
		sign, pence = "-", -pence
	}
	return &Value{Amount: json.Number(fmt.Sprintf("%s%d.%02d", sign, pence/100, pence%100)), Currency: "GBP"}
}
