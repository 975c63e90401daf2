ValueSet: SentinelSpeciale
Id: speciale
Title: "Speciale"
Description: "The clinic's or the course's speciale, as in the ydernummer register (51 almen fysioterapi, 57 ridefysioterapi, …): every code of the speciale code system."
* ^status = #active
* include codes from system $speciale

ValueSet: SentinelCourseType
Id: course-type
Title: "Course type"
Description: "The structured courses of speciale 51 (cervical radiculopathy, knee osteoarthritis, …), each with the ICPC-2 code it expects: every code of the course-type code system."
* ^status = #active
* include codes from system $course-type

ValueSet: SentinelDiagnosisSource
Id: diagnosis-source
Title: "Diagnosis source"
Description: "Who put the code on the course: the clinician, or the referral (henvisning) for vederlagsfri courses."
* ^status = #active
* include codes from system $diagnosis-source

ValueSet: SentinelReason
Id: reason
Title: "Reason"
Description: "Why Sentinel refused a record (API.md's fixed reason codes), as its answers carry them in OperationOutcome.issue.details."
* ^status = #active
* include codes from system $reason
