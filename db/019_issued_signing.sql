-- Which workflow step signs the result (docs/signatures.md): the leader's
-- approval in the default workflow. A step with signs_result = 1 renders
-- the result document, has the acting official sign it and every PDF
-- result file, then the unit's seal, before the step commits.
ALTER TABLE workflow_transitions ADD COLUMN signs_result INTEGER NOT NULL DEFAULT 0;
-- Data directories made before this column: the shipped default workflow's
-- approval signs (data/workflows.json says so for new ones).
UPDATE workflow_transitions SET signs_result = 1
 WHERE workflow = 'default' AND from_state = 'awaiting_approval' AND action = 'approve';
