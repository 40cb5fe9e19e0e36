-- What kind of body a unit is (loại đơn vị), beside its level in the tree:
-- the provincial People's Committee and its office, departments (sở) and
-- their sub-departments (chi cục, phòng), commune People's Committees, and
-- public service units (schools, health stations, hospitals...). The kinds
-- and their Vietnamese labels are listed in catalog/unit.c; '' is a unit
-- nobody has classified yet. Units imported later give theirs in the CSV.
ALTER TABLE units ADD COLUMN kind TEXT NOT NULL DEFAULT '';
CREATE INDEX units_kind ON units(kind, name);
CREATE INDEX units_level ON units(level, name);

UPDATE units SET kind = CASE
    WHEN level = 'province' THEN 'ubnd_tinh'
    WHEN level = 'commune' THEN 'ubnd_xa'
    WHEN name LIKE 'Văn phòng %' THEN 'van_phong'
    WHEN name LIKE 'Sở %' THEN 'so'
    WHEN name LIKE 'Thanh tra %' THEN 'thanh_tra'
    WHEN name LIKE 'Trung tâm Phục vụ hành chính công%' THEN 'trung_tam_hcc'
    ELSE kind END;
