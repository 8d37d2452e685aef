-- Up Migration
-- Whether the initiation passed the step-up rule because the user already had a factor (true),
-- or needed no proof because the user had none (false). An enrollment of the second kind may only
-- become the user's first factor: completing it once another factor exists would add a factor
-- without step-up (DESIGN §8), so that completion is refused.
-- Enrollments already pending when this runs were never checked, so they count as unchecked.
ALTER TABLE enrollments ADD COLUMN stepped_up boolean NOT NULL DEFAULT false;
ALTER TABLE enrollments ALTER COLUMN stepped_up DROP DEFAULT;

-- Down Migration
ALTER TABLE enrollments DROP COLUMN stepped_up;
