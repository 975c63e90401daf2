// The resources Sentinel's FHIR door takes (api/fhir/__init__.py has the mapping in prose).
// Each profile derives from the base R4 resource: dk-core (hl7.fhir.dk.core) is not published
// where this project's build can fetch it (docs/adr/0010), so the profiles restate the dk-core
// identifier systems they rely on, and dk-core resources (DkCorePatient, DkCoreOrganization,
// DkCoreCondition with its ICPC-2 slice) conform to them as they are.

RuleSet: SliceBySystem(element)
* {element} ^slicing.discriminator.type = #value
* {element} ^slicing.discriminator.path = "system"
* {element} ^slicing.rules = #open

Profile: SentinelPatient
Parent: Patient
Id: sentinel-patient
Title: "Sentinel Patient"
Description: "The patient of a course, by CPR number (dk-core's identifier system urn:oid:1.2.208.176.1.2). A Patient without a CPR identifier is a course without CPR. Nothing else of the Patient is read or kept; Sentinel stores a keyed pseudonym of the CPR, and the CPR itself only encrypted where a project shows the clinic a worklist."
* insert SliceBySystem(identifier)
* identifier contains cpr 0..1 MS
* identifier[cpr] ^short = "CPR number: 10 digits (DDMMYYSSSS, a dash after 6 allowed)"
* identifier[cpr].system 1..1
* identifier[cpr].system = $cpr (exactly)
* identifier[cpr].value 1..1 MS

Profile: SentinelOrganization
Parent: Organization
Id: sentinel-organization
Title: "Sentinel clinic"
Description: "The clinic, by ydernummer (dk-core's urn:oid:1.2.208.176.1.4; written without leading zeros it is read as six digits). Taken when an EpisodeOfCare's managingOrganization refers to it; nothing else of it is kept."
* insert SliceBySystem(identifier)
* identifier contains ydernummer 0..1 MS and sor 0..1
* identifier[ydernummer].system 1..1
* identifier[ydernummer].system = $ydernummer (exactly)
* identifier[ydernummer].value 1..1 MS
* identifier[sor].system 1..1
* identifier[sor].system = $sor (exactly)

Profile: SentinelCondition
Parent: Condition
Id: sentinel-condition
Title: "Sentinel diagnosis"
Description: "One ICPC-2 code put on a course (listed in EpisodeOfCare.diagnosis), with when it was put there. The history is append-only: a code is never deleted; one entered in error or refuted is kept, marked, and never the course's code."
* code 1..1 MS
* insert SliceBySystem(code.coding)
* code.coding contains icpc2 1..1 MS and sct 0..1
* code.coding[icpc2] ^short = "ICPC-2-DK code (dk-core's urn:oid:1.2.208.176.2.31; http://hl7.org/fhir/sid/icpc-2 is read too)"
* code.coding[icpc2].system 1..1
* code.coding[icpc2].system = $icpc2 (exactly)
* code.coding[icpc2].code 1..1
* code.coding[sct] ^short = "SNOMED CT beside ICPC-2 (not read)"
* code.coding[sct].system 1..1
* code.coding[sct].system = $sct (exactly)
* category ^slicing.discriminator.type = #value
* category ^slicing.discriminator.path = "coding.system"
* category ^slicing.rules = #open
* category contains diagnosisSource 0..1 MS
* category[diagnosisSource] from SentinelDiagnosisSource (required)
* category[diagnosisSource].coding.system = $diagnosis-source (exactly)
* category[diagnosisSource] ^short = "clinician (the default) or referral (vederlagsfri courses)"
* verificationStatus MS
* verificationStatus ^short = "entered-in-error or refuted: kept, never the course's code"
* subject only Reference(SentinelPatient)
* subject MS
* subject ^short = "The course's patient: a reference to its Patient entry, or its CPR identifier"
* recordedDate MS
* recordedDate ^short = "When the code was put on the course; missing: onsetDateTime, else the course's start (with a warning)"
* onset[x] MS

Profile: SentinelEpisodeOfCare
Parent: EpisodeOfCare
Id: sentinel-episode-of-care
Title: "Sentinel course (forløb)"
Description: "A patient course: the record of API.md's submissions. The course's own id in the practice system, its version, the clinic, the speciale and course type, the dates, and its diagnoses in order."
* meta.versionId MS
* meta.versionId ^short = "The course's version, a whole number as text (absent: 1); a changed course needs a higher one"
* extension contains PatientOptOut named patientOptOut 0..1 MS and PractitionerInitials named practitionerInitials 0..1 MS
* identifier 1..* MS
* identifier ^short = "identifier[0].value: the practice system's own id of the course (source_id, at most 100 characters, never a CPR)"
* identifier.value 1..1
* identifier.value ^maxLength = 100
* status MS
* status ^short = "entered-in-error withdraws what was stored of the course"
* type ^slicing.discriminator.type = #value
* type ^slicing.discriminator.path = "coding.system"
* type ^slicing.rules = #open
* type contains speciale 0..1 MS and courseType 0..1 MS
* type[speciale] from SentinelSpeciale (required)
* type[speciale].coding.system = $speciale (exactly)
* type[courseType] from SentinelCourseType (required)
* type[courseType].coding.system = $course-type (exactly)
* diagnosis MS
* diagnosis ^short = "The full diagnosis history known to the practice system, in order"
* diagnosis.condition only Reference(SentinelCondition)
* patient only Reference(SentinelPatient)
* patient MS
* managingOrganization 1..1 MS
* managingOrganization only Reference(SentinelOrganization)
* managingOrganization ^short = "The clinic: identifier with the ydernummer system, or a reference to an Organization entry that has it"
* managingOrganization obeys sentinel-clinic
* period 1..1 MS
* period.start 1..1 MS
* period.start ^short = "A date, or a dateTime taken as its date in Danish time"
* period.end MS

Invariant: sentinel-clinic
Description: "The clinic is named by its ydernummer identifier or by a reference to an Organization entry"
Expression: "identifier.where(system = 'urn:oid:1.2.208.176.1.4').value.exists() or reference.exists()"
Severity: #error

Profile: SentinelObservation
Parent: Observation
Id: sentinel-observation
Title: "Sentinel outcome measurement (single score)"
Description: "One score of a free-to-use outcome instrument or test (NPRS, 30-second chair stand, 40-m fast-paced walk) in a structured course, linked to the course's EpisodeOfCare. Who answered is the performer's type (Patient, Practitioner, RelatedPerson); the clinic is the performer with the ydernummer identifier."
* identifier 1..* MS
* identifier ^short = "The practice system's own id of the measurement (source_id)"
* extension contains $workflow-episodeOfCare named episodeOfCare 1..1 MS and OutcomeTimepoint named timepoint 1..1 MS
* status MS
* status ^short = "entered-in-error withdraws the measurement"
* code MS
* code.coding ^short = "The instrument, in the outcome-instrument system"
* subject MS
* subject ^short = "The patient's CPR identifier: only its age band is kept, if the project asks for it"
* effective[x] MS
* effective[x] ^short = "effectiveDateTime: the day of the measurement"
* performer 1..* MS
* performer ^short = "The clinic (Organization with ydernummer) and who answered (type Patient, Practitioner or RelatedPerson)"
* value[x] MS
* value[x] ^short = "valueQuantity.value: the score on the instrument's scale"

Profile: SentinelQuestionnaireResponse
Parent: QuestionnaireResponse
Id: sentinel-questionnaire-response
Title: "Sentinel outcome questionnaire (items)"
Description: "A free-to-use questionnaire with items (PSFS) in a structured course, linked to the course's EpisodeOfCare: item numbers and their scores only, never the question text."
* identifier 1..1 MS
* extension contains $workflow-episodeOfCare named episodeOfCare 1..1 MS and OutcomeTimepoint named timepoint 1..1 MS
* questionnaire 1..1 MS
* questionnaire ^short = "https://sentinel-data.dk/fhir/Questionnaire/<instrument>, e.g. .../psfs"
* status MS
* subject MS
* authored 1..1 MS
* author 1..1 MS
* author ^short = "The clinic: identifier with the ydernummer system"
* source 1..1 MS
* source ^short = "Who answered: type Patient, Practitioner or RelatedPerson"
* item MS
* item.linkId MS
* item.answer MS
